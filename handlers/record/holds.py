"""The record unit holds nothing of its own: it shows what the other units hold. Each look at someone
else's record is an audit entry about that person ("record_viewed"), exported and erased with them."""

from bot.personal_data import Holdings

HOLDS = Holdings(owner="record", note="shows what other units hold; its access log is in the audit log")
