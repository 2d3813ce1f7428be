"""The user's own recording as the film's soundtrack (`--narration talk.mp3`).

request → plan → **narration** (recording loaded, script aligned to it) → timeline → film.

- `recording.py`: decode the user's file (any format PyAV reads, up to 5 minutes).
- `align.py`: where each script line is spoken in it — espeak-ng synthesises the script in
  the film's language and MFCC + dynamic time warping (librosa) maps those line times onto the
  recording; lines the warp squeezes to almost nothing were not said and are reported.
- `transcribe.py`: a recording without a script: the studio's Whisper (MODELS/asr/) hears it,
  its sentences found in it by the aligner; without a recogniser, no subtitles (warned).
- `timing.py`: the film's timeline from the alignment: shots cut where their first line is
  spoken, cues on the spoken lines, the film as long as the recording (or the duration asked).
"""

from pipelines.narration.align import Alignment, align
from pipelines.narration.recording import MAX_RECORDING_S, load_recording
from pipelines.narration.timing import Narration, place
from pipelines.narration.transcribe import Heard, hear, heard_plan

__all__ = [
    "MAX_RECORDING_S",
    "Alignment",
    "Heard",
    "Narration",
    "align",
    "hear",
    "heard_plan",
    "load_recording",
    "place",
]
