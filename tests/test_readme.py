from pathlib import Path

from upwatch.settings import Settings

README = (Path(__file__).parents[1] / "README.md").read_text()


def test_readme_documents_every_setting() -> None:
    missing = [
        f"UPWATCH_{name.upper()}"
        for name in Settings.model_fields
        if f"`UPWATCH_{name.upper()}`" not in README
    ]
    assert missing == []
