"""Writes the PyTorch interop fixture of `tests/torch.rs`: an `nn.Sequential` of `Linear`
layers saved with `safetensors.torch.save_file`, and its outputs on fixed inputs.

    python3 -m venv /tmp/torch && /tmp/torch/bin/pip install torch safetensors
    /tmp/torch/bin/python scripts/torch_fixture.py

The outputs are PyTorch's own; the test checks that our network, loaded from the file by
name map and by module order, predicts the same (to 1e-6).
"""

import json
from pathlib import Path

import torch
from safetensors.torch import save_file

torch.manual_seed(2026)
model = torch.nn.Sequential(
    torch.nn.Linear(4, 8),
    torch.nn.Tanh(),
    torch.nn.Linear(8, 8),
    torch.nn.ReLU(),
    torch.nn.Linear(8, 1),
)
inputs = torch.linspace(-2.0, 2.0, 20).reshape(5, 4)
with torch.no_grad():
    outputs = model(inputs)

fixtures = Path(__file__).resolve().parent.parent / "tests" / "fixtures"
fixtures.mkdir(parents=True, exist_ok=True)
save_file(model.state_dict(), str(fixtures / "torch_mlp.safetensors"))
(fixtures / "torch_mlp.json").write_text(
    json.dumps(
        {
            "torch": torch.__version__,
            "inputs": inputs.tolist(),
            "outputs": outputs.tolist(),
        },
        indent=1,
    )
    + "\n"
)
print("wrote", fixtures / "torch_mlp.safetensors", "and torch_mlp.json")
