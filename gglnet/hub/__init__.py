"""Release tooling for published weights: model cards, evaluation files, pushing to the Hub.

Loading weights is not here: it belongs to the core (:mod:`gglnet.models.loading`).

- :mod:`gglnet.hub.cards`: ``README.md`` model cards from evaluation JSON.
- :mod:`gglnet.hub.publish`: checking a release folder and pushing it (``gglnet hub push``).
"""

from gglnet.hub.cards import Evaluation, model_card, read_evaluation
from gglnet.hub.publish import ReleaseFile, check_release_folder, push_folder

__all__ = [
    "Evaluation",
    "ReleaseFile",
    "check_release_folder",
    "model_card",
    "push_folder",
    "read_evaluation",
]
