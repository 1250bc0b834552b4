"""A deliberately short nnU-Net v2 trainer for the CPU feasibility bench (bench/nnunet_tiny.py).

nnU-Net's own trainer, unmodified, except the length of training: ``EPOCHS``
epochs of ``ITERATIONS`` batches (the default is 1000 x 250). nnU-Net finds it
through the ``nnUNet_extTrainer`` environment variable, for training and for
prediction alike. Not for real models: it only shows that the pipeline runs.
"""

import os

import torch
from nnunetv2.training.nnUNetTrainer.nnUNetTrainer import nnUNetTrainer

EPOCHS = int(os.environ.get("FERRET_TINY_EPOCHS", "4"))
ITERATIONS = int(os.environ.get("FERRET_TINY_ITERATIONS", "25"))


class nnUNetTrainer_FerretTiny(nnUNetTrainer):  # noqa: N801 - nnU-Net's naming of trainers
    """nnU-Net's trainer with ``EPOCHS`` x ``ITERATIONS`` training batches and 2 validation batches."""

    def __init__(
        self,
        plans: dict,
        configuration: str,
        fold: int,
        dataset_json: dict,
        device: torch.device = torch.device("cpu"),  # noqa: B008 - nnU-Net's signature
    ):
        super().__init__(plans, configuration, fold, dataset_json, device)
        self.num_epochs = EPOCHS
        self.num_iterations_per_epoch = ITERATIONS
        self.num_val_iterations_per_epoch = 2
