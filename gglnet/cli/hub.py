"""``gglnet hub``: list, download, document and publish pretrained weights."""

from __future__ import annotations

import argparse
import json
import os
from pathlib import Path

from gglnet.hub.cards import model_card, read_evaluation
from gglnet.hub.publish import check_release_folder, push_folder
from gglnet.models.folders import CARD_NAME, CONFIG_NAME, read_config
from gglnet.models.loading import WEIGHTS_DIR_ENV, download_pretrained, local_weight_folders
from gglnet.models.registry import get_pretrained_cfg, list_models

EPILOG = """\
examples:
  gglnet hub list
  gglnet hub download gglnet.sirst --dir ~/gglnet-weights  # GGLNET_WEIGHTS_DIR=~/gglnet-weights
  gglnet hub card weights/gglnet.sirst --eval runs/sirst/eval_best.json \\
      --eval runs/sirst/eval_last.json --train-command "gglnet train ..." \\
      --eval-command "gglnet evaluate ..." --hardware "1x RTX 2080 Ti" --training-time "9 h"
  gglnet hub push weights/gglnet.sirst --repo-id gglnet/gglnet.sirst --dry-run
  gglnet hub push weights/gglnet.sirst --repo-id gglnet/gglnet.sirst

A weight folder holds config.json, model.safetensors (or shards and
model.safetensors.index.json) and a README.md model card; see docs/hub.md.
"""


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    """Register ``gglnet hub`` and its subcommands."""
    parser = subparsers.add_parser(
        "hub",
        help="list, download, document and publish pretrained weights",
        description="Pretrained weights on the Hugging Face Hub: list the published names, "
        "download a weight folder for offline use, regenerate its model card from evaluation "
        "JSON, and publish it.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    commands = parser.add_subparsers(title="hub commands", metavar="COMMAND", required=True)

    listing = commands.add_parser(
        "list",
        help="names with published weights, their Hub repository and metrics",
        description="List the registered names that have published weights.",
    )
    listing.add_argument("--json", action="store_true", help="print JSON instead of a table")
    listing.set_defaults(func=_list)

    download = commands.add_parser(
        "download",
        help="fetch a published weight folder (checked against its sha256)",
        description=f"Download the weight folder of NAME from the Hub into DIR/NAME (weights, "
        f"config.json, README.md), checking every weight file's sha256. Point "
        f"{WEIGHTS_DIR_ENV} at DIR to load it offline.",
    )
    download.add_argument("name", metavar="NAME", help="a name from `gglnet hub list`")
    download.add_argument(
        "--dir",
        type=Path,
        default=Path(os.environ.get(WEIGHTS_DIR_ENV) or "weights"),
        help=f"folder of weight folders (default: ${WEIGHTS_DIR_ENV}, else ./weights)",
    )
    download.add_argument(
        "--overwrite", action="store_true", help="replace files already in DIR/NAME"
    )
    download.set_defaults(func=_download)

    card = commands.add_parser(
        "card",
        help="regenerate a weight folder's README.md model card from evaluation JSON",
        description="Rewrite FOLDER/README.md (YAML metadata, model-index with the measured "
        "metrics, usage, commands) from FOLDER/config.json and `gglnet evaluate --json` "
        "output. The weights are not touched.",
    )
    card.add_argument("folder", type=Path, metavar="FOLDER", help="the weight folder")
    card.add_argument(
        "--eval",
        type=Path,
        action="append",
        default=[],
        metavar="JSON",
        help="evaluation JSON (repeat for several checkpoints, e.g. best and last)",
    )
    card.add_argument("--name", help="the weights' name (default: the folder's name)")
    card.add_argument("--repo-id", help="Hub repository ORG/NAME (default: the registered one)")
    card.add_argument("--train-command", help="the exact training command")
    card.add_argument("--eval-command", help="the exact evaluation command")
    card.add_argument("--hardware", help='training hardware, e.g. "1x H100"')
    card.add_argument("--training-time", help='wall-clock training time, e.g. "3 h 10 min"')
    card.add_argument(
        "--notes", type=Path, metavar="MD", help="Markdown file: data, split and selection notes"
    )
    card.add_argument("--license", default="apache-2.0", help="SPDX license of the weights")
    card.set_defaults(func=_card)

    push = commands.add_parser(
        "push",
        help="check a weight folder and upload it to the Hub in one commit",
        description="Check FOLDER (config, strict weight loading, model card, and sha256 "
        "against the registry for registered names), then upload config.json, the weights "
        "and README.md to REPO_ID. Needs a token with write access (HF_TOKEN or `hf auth "
        "login`). Prints the commit to pin in PretrainedCfg.revision.",
    )
    push.add_argument("folder", type=Path, metavar="FOLDER", help="the weight folder")
    push.add_argument("--repo-id", required=True, help="Hub repository ORG/NAME")
    push.add_argument("--name", help="the weights' gglnet name (default: the folder's name)")
    push.add_argument("--branch", help="branch to commit to (default: main; created if missing)")
    push.add_argument("--private", action="store_true", help="create the repository as private")
    push.add_argument("--commit-message", help='commit summary (default: "Upload NAME")')
    push.add_argument(
        "--dry-run", action="store_true", help="check and list the files; upload nothing"
    )
    push.set_defaults(func=_push)


def _list(args: argparse.Namespace) -> int:
    rows = []
    for name in list_models(pretrained=True):
        cfg = get_pretrained_cfg(name)
        local = next((f for f in local_weight_folders(name) if (f / cfg.filename).is_file()), None)
        rows.append({"name": name, **cfg.to_dict(), "local_folder": str(local) if local else None})
    if args.json:
        print(json.dumps(rows, indent=2))
        return 0
    if not rows:
        print("no published weights are registered yet")
    for row in rows:
        metrics = ", ".join(f"{k}={v:.4g}" for k, v in row["metrics"].items())
        print(f"{row['name']}: {row['hf_hub_id']}@{row['revision']}")
        print(f"    {row['dataset']} {row['split']}: {metrics} (input size {row['input_size']})")
        print(f"    local: {row['local_folder'] or 'none (downloaded from the Hub on first use)'}")
    return 0


def _download(args: argparse.Namespace) -> int:
    folder = download_pretrained(args.name, args.dir, overwrite=args.overwrite)
    print(f"downloaded {args.name} to {folder}; load it offline with {WEIGHTS_DIR_ENV}={args.dir}")
    return 0


def _card(args: argparse.Namespace) -> int:
    name = args.name or args.folder.name
    config = read_config(args.folder)
    evaluations = [read_evaluation(path) for path in args.eval]
    registered = name in list_models(pretrained=True)
    repo_id = args.repo_id or (get_pretrained_cfg(name).hf_hub_id if registered else None)
    notes = args.notes.read_text() if args.notes else None
    card = model_card(
        name,
        config,
        evaluations,
        repo_id=repo_id,
        registered=registered,
        train_command=args.train_command,
        eval_command=args.eval_command,
        hardware=args.hardware,
        training_time=args.training_time,
        notes=notes,
        license=args.license,
    )
    card.save(args.folder / CARD_NAME)
    print(f"wrote {args.folder / CARD_NAME} ({len(evaluations)} evaluation(s))")
    return 0


def _push(args: argparse.Namespace) -> int:
    files = check_release_folder(args.folder, args.name)
    print(
        f"{'would upload' if args.dry_run else 'uploading'} to {args.repo_id} "
        f"({args.branch or 'main'}):"
    )
    for file in files:
        print(f"  {file.name}  {file.size} bytes  sha256 {file.sha256}")
    if args.dry_run:
        return 0
    commit = push_folder(
        args.folder,
        args.repo_id,
        name=args.name,
        branch=args.branch,
        private=args.private or None,
        commit_message=args.commit_message,
    )
    sha256 = {f.name: f.sha256 for f in files if f.name not in (CONFIG_NAME, CARD_NAME)}
    print(f"pushed {args.folder} to {commit.commit_url}")
    print("add it to the architecture's PRETRAINED_CFGS table (gglnet/models/gglnet.py):")
    print(
        f'    "{args.name or args.folder.name}": PretrainedCfg(hf_hub_id="{args.repo_id}", '
        f'revision="{commit.oid}",'
    )
    print(f"        sha256={sha256}, ...),")
    return 0
