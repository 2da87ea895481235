"""The privacy unit keeps only anonymous tallies (what erasure must keep as counts): nothing about anyone."""

from bot.personal_data import Holdings

HOLDS = Holdings(owner="privacy", note="anonymous tallies only (anonymous_tallies): no person in them")
