"""The labels' vocabulary in the languages Open Terms Archive holds most after English (synthetic
sentences in each language's policy wording; real French, German and Chinese pairs are in
fixtures/labelled)."""

from __future__ import annotations

import pytest

from changes import compare

CASES = [
    ("fr", "Nous utilisons vos données pour fournir le service.",
     "Nous utilisons vos données pour fournir le service et pour entraîner nos modèles d'intelligence artificielle.",
     ["ai_training"]),
    ("de", "Wir verwenden Ihre Daten, um den Dienst bereitzustellen.",
     "Wir verwenden Ihre Daten, um den Dienst bereitzustellen und unsere KI-Modelle zu trainieren.",
     ["ai_training"]),
    ("es", "Tratamos sus datos para prestar el servicio.",
     "Tratamos sus datos para prestar el servicio. Puede retirar su consentimiento en la configuración de su cuenta.",
     ["opt_out"]),
    ("it", "Trattiamo i tuoi dati per fornire il servizio.",
     "Trattiamo i tuoi dati per fornire il servizio nell'Unione Europea.",
     ["regions"]),
    ("nl", "Wij verwerken uw gegevens om de dienst te leveren.",
     "Wij verwerken uw gegevens om de dienst te leveren. U kunt bezwaar maken via de instellingen.",
     ["opt_out"]),
    ("pt", "Tratamos os seus dados para prestar o serviço.",
     "Tratamos os seus dados para prestar o serviço e treinar os nossos modelos de inteligência artificial.",
     ["ai_training"]),
    ("zh", "我们会使用你的数据提供服务。",
     "我们会使用你的数据提供服务，并用于模型训练和优化。",
     ["ai_training"]),
    ("fr-noise", "Dernière mise à jour : 3 mars 2025", "Dernière mise à jour : 25 juin 2025", []),
]


@pytest.mark.parametrize(("lang", "old", "new", "labels"), CASES, ids=[c[0] for c in CASES])
def test_vocabulary(lang: str, old: str, new: str, labels: list[str]) -> None:
    result = compare(old, new)
    assert result.labels == labels, [h.evidence for h in result.changes]
    assert result.material == bool(labels or not lang.endswith("noise"))


def test_two_languages_are_two_editions() -> None:
    en = " ".join(["We use your data to provide and improve the service, and you can opt out of this at any time."] * 8)
    de = " ".join(["Wir verwenden deine Daten, um den Dienst bereitzustellen, und du kannst dem jederzeit widersprechen."] * 8)
    result = compare(en, de)
    assert not result.material and result.labels == []
    assert "different languages (en -> de)" in result.changes[0].note
