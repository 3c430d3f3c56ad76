"""A random-initialised policy in the shape of a shipped architecture config, with a byte-level
BPE tokenizer trained here: the GPU check needs the memory and compute of a real model, not its
weights, and the GPU machine reaches no model hub.

    python benchmarks/gpu/build_model.py --config benchmarks/gpu/qwen2.5-1.5b.json --out DIR

The model keeps the config's vocabulary (151,936 for Qwen2.5), so completion logits cost what
they cost in a real run; the tokenizer knows a few thousand of those ids (ids beyond it decode
to nothing). `--scale-down` shrinks every width and depth for a CPU rehearsal of the script.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

CHAT_TEMPLATE = (
    "{% for m in messages %}<|im_start|>{{ m['role'] }}\n{{ m['content'] }}<|im_end|>\n"
    "{% endfor %}{% if add_generation_prompt %}<|im_start|>assistant\n{% endif %}"
)


def corpus() -> list[str]:
    """Text shaped like the environments' prompts and answers, for the tokenizer's merges."""
    from rlvr.environments.math import MathEnvironment

    lines = []
    for record in list(MathEnvironment(seed=0).problems("train"))[:500]:
        prompt = record["prompt"]
        lines.append(prompt if isinstance(prompt, str) else json.dumps(prompt))
        lines.append(f"The answer is \\boxed{{{record['answer']}}}.")
    lines += ["def solve(a, b):\n    return a + b\n", "#include <stdio.h>\nint main() {}\n"]
    return lines * 4


def build(config_path: Path, out: Path, *, scale_down: bool, vocab: int) -> None:
    import torch
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
    from transformers import AutoConfig, AutoModelForCausalLM, PreTrainedTokenizerFast

    tokenizer = Tokenizer(models.BPE())
    tokenizer.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tokenizer.decoder = decoders.ByteLevel()
    special = ["<|endoftext|>", "<|im_start|>", "<|im_end|>"]
    tokenizer.train_from_iterator(
        corpus(),
        trainers.BpeTrainer(
            vocab_size=vocab,
            special_tokens=special,
            initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
        ),
    )
    fast = PreTrainedTokenizerFast(
        tokenizer_object=tokenizer,
        bos_token="<|im_start|>",
        eos_token="<|im_end|>",
        pad_token="<|endoftext|>",
    )
    fast.chat_template = CHAT_TEMPLATE

    fields = json.loads(config_path.read_text(encoding="utf-8"))
    if scale_down:
        fields.update(
            hidden_size=64,
            intermediate_size=128,
            num_hidden_layers=2,
            num_attention_heads=4,
            num_key_value_heads=2,
        )
    model_type = fields.pop("model_type")
    config = AutoConfig.for_model(
        model_type,
        **fields,
        bos_token_id=fast.bos_token_id,
        eos_token_id=fast.eos_token_id,
        pad_token_id=fast.pad_token_id,
    )
    torch.manual_seed(0)
    model = AutoModelForCausalLM.from_config(config, dtype=torch.bfloat16)
    model.save_pretrained(out)
    fast.save_pretrained(out)
    parameters = sum(p.numel() for p in model.parameters())
    print(
        f"{model_type}: {parameters / 1e9:.2f}B parameters, vocabulary {config.vocab_size}, "
        f"tokenizer {len(fast)} -> {out}"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--config", type=Path, required=True)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--scale-down", action="store_true")
    parser.add_argument("--tokenizer-vocab", type=int, default=4000)
    args = parser.parse_args()
    build(args.config, args.out, scale_down=args.scale_down, vocab=args.tokenizer_vocab)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
