"""Lokala Brå closes the loop: pure rules, no I/O.

- `records`: decisions, status notes, priorities, citizen promises, as plain dataclasses;
- `decisions`: kinds, the status machine `beslutad → pagar → klar | avbruten`, checks;
- `roles`: who may decide, who may follow up, and the polite refusals;
- `wording`: how decisions, feedback, reminders and summaries read (Swedish first);
- `forms`: the Action.Execute verbs and input ids of the Brå cards, and reading them;
- `replies`: "klar: …" typed in the 1:1 chat (or an email) as a status update;
- `priorities`, `promises`: checking Brå's priorities and medborgarlöften;
- `agenda`: the Brå meeting's agenda; `compare`: aggregates between municipalities.

English texts live in `reporting/locale/en/bra.po` (domain "bra").
"""
