"""GGL-Net's blocks in another network: a small U-Net with GSM guidance and TGFM fusion.

The encoder is a plain conv U-Net encoder; after each level a :class:`gglnet.blocks.GSM`
injects the (max-pooled) gradient image, and the decoder fuses skip connections with
:class:`gglnet.blocks.TGFM` instead of concatenation. Trained for a few steps on random
bright-blob data to show the blocks work outside GGL-Net.

Run: ``python examples/tgfm_in_unet.py`` (60 steps, well under a minute on a laptop CPU)
"""

from __future__ import annotations

import argparse

import torch
import torch.nn.functional as F
from torch import nn

from gglnet import gradient_magnitude
from gglnet.blocks import GSM, TGFM, ConvNormAct
from gglnet.losses import SoftIoULoss


class GuidedUNet(nn.Module):
    """U-Net whose encoder levels get GSM gradient guidance and whose decoder fuses with TGFM.

    Args:
        widths: channels per level; input sides must be multiples of ``2 ** (len(widths) - 1)``.

    Shapes:
        ``(B, 1, H, W)`` grey image in ``[0, 1]`` → logits ``(B, 1, H, W)``.
    """

    def __init__(self, widths: tuple[int, ...] = (8, 16, 32)) -> None:
        super().__init__()
        ins = (1, *widths[:-1])
        self.encoders = nn.ModuleList(
            nn.Sequential(ConvNormAct(i, o), ConvNormAct(o, o))
            for i, o in zip(ins, widths, strict=True)
        )
        self.guides = nn.ModuleList(GSM(w, guide_channels=1) for w in widths)
        self.fusions = nn.ModuleList(
            TGFM(widths[k], widths[k + 1], reduction=4) for k in range(len(widths) - 1)
        )
        self.head = nn.Conv2d(widths[0], 1, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        guide = gradient_magnitude(x)
        skips = []
        h = x
        for level, (encoder, gsm) in enumerate(zip(self.encoders, self.guides, strict=True)):
            if level:
                h, guide = F.max_pool2d(h, 2), F.max_pool2d(guide, 2)
            h = gsm(encoder(h), guide)
            skips.append(h)
        z = skips[-1]
        for level in reversed(range(len(self.fusions))):
            z = self.fusions[level](skips[level], z)
        return self.head(z)


def random_blobs(batch: int, size: int, generator: torch.Generator) -> tuple[torch.Tensor, ...]:
    """Noisy backgrounds with one bright 3x3 square each; returns ``(images, masks)``."""
    images = 0.3 + 0.1 * torch.rand(batch, 1, size, size, generator=generator)
    masks = torch.zeros_like(images)
    ys, xs = torch.randint(1, size - 4, (2, batch), generator=generator)
    for b, (y, x) in enumerate(zip(ys.tolist(), xs.tolist(), strict=True)):
        masks[b, 0, y : y + 3, x : x + 3] = 1
    return images + 0.5 * masks, masks


def train(steps: int = 60, seed: int = 0) -> list[float]:
    """Train a :class:`GuidedUNet` on random blobs; returns the loss of every step."""
    torch.manual_seed(seed)
    generator = torch.Generator().manual_seed(seed)
    model = GuidedUNet()
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-2)
    loss_fn = SoftIoULoss()
    losses = []
    for _ in range(steps):
        images, masks = random_blobs(8, 32, generator)
        loss = loss_fn(model(images), masks)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    return losses


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=60, help="training steps (default 60)")
    args = parser.parse_args()
    losses = train(args.steps)
    n_params = sum(p.numel() for p in GuidedUNet().parameters())
    print(f"GuidedUNet with {n_params:,} parameters, {args.steps} Adam steps on random blobs")
    print(f"softIoU loss: first {losses[0]:.3f} -> last {losses[-1]:.3f}")


if __name__ == "__main__":
    main()
