"""The studio's HTTP API (FastAPI): auth, projects, assets, generate, jobs, credits, admin.

main.py      create_app(settings): the app, its lifespan, its routers
platform.py  the parts a request uses (database, storage, tokens, Redis or in-process)
deps.py      FastAPI dependencies: session, current user, owned project, idempotency
routes/      one router per area          schemas/   request and response bodies
security.py  argon2 passwords, RS256 access tokens, the signing keys
media.py     uploads judged by content    ratelimit.py, revocation.py   Redis-or-memory
"""
