"""etwin-analysis: evidence tools for the claims of the 2023 eTwinning monitoring report.

The package holds all logic; the notebooks in ``notebooks/`` are thin narrated calls into it.
"""

from etwin_analysis.dataset import Dataset, DataValidationError, load_dataset

__version__ = "0.1.0"

__all__ = ["Dataset", "DataValidationError", "load_dataset", "__version__"]
