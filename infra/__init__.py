"""The floor under the studio: settings, object storage, job events, starting Ray, metrics and
progress types. Every other package may import it; it imports none of them."""
