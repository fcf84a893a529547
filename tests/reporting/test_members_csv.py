from __future__ import annotations

from pathlib import Path

from reporting.members_csv import parse_members_csv
from reporting.model import Channel, Role

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"


def test_fixture_parses_with_several_roles() -> None:
    parsed = parse_members_csv((FIXTURES / "members.csv").read_text("utf-8"))
    assert parsed.errors == ()
    assert len(parsed.rows) == 7
    cecilia = parsed.rows[2]
    assert cecilia.roles == {Role.REPORTER, Role.COORDINATOR}
    assert parsed.rows[1].channel is Channel.EMAIL


def test_bad_row_is_reported_with_its_line_number() -> None:
    parsed = parse_members_csv((FIXTURES / "members_bad_line7.csv").read_text("utf-8"))
    assert [(e.line, e.reason) for e in parsed.errors] == [
        (7, "ogiltig e-postadress: 'fredrik.falk(at)fagersta.se'")
    ]
    assert len(parsed.rows) == 6


def test_swedish_excel_semicolons_bom_and_swedish_words() -> None:
    text = "\ufeffname;email;agency;roles;channel\nÅsa Öberg;Asa.Oberg@Ludvika.se;Skola;rapportör, samordnare;e-post\n"
    parsed = parse_members_csv(text)
    assert parsed.errors == ()
    row = parsed.rows[0]
    assert (row.name, row.email, row.agency) == ("Åsa Öberg", "asa.oberg@ludvika.se", "skola")
    assert row.roles == {Role.REPORTER, Role.COORDINATOR} and row.channel is Channel.EMAIL


def test_every_kind_of_problem_names_its_line() -> None:
    text = (
        "name,email,agency,roles,channel\n"
        ",a@k.se,fritid,reporter,teams\n"
        "B,b@k.se,,reporter,teams\n"
        "C,c@k.se,fritid,chef,teams\n"
        "D,d@k.se,fritid,reporter,sms\n"
        "E,a2@k.se,fritid,reporter,teams\n"
        "F,A2@k.se,fritid,reporter,teams\n"
        "\n"
        "G,g@k.se,fritid,reporter,teams,extra\n"
    )
    errors = parse_members_csv(text).errors
    assert [e.line for e in errors] == [2, 3, 4, 5, 7, 9]
    assert "finns redan på rad 6" in errors[4].reason
    assert str(errors[2]) == "rad 4: okänd roll: chef"


def test_missing_column_is_reported_on_the_header_line() -> None:
    errors = parse_members_csv("name,email,roles\nA,a@k.se,reporter\n").errors
    assert errors[0].line == 1 and "agency" in errors[0].reason and "channel" in errors[0].reason
