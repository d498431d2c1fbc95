"""Writes the recurrent fixtures of `tests/torch_rnn.rs`: a `torch.nn.GRU` and a
`torch.nn.LSTM` (one layer, 2 inputs, 3 units) each read out by an `nn.Linear(3, 2)`, in
float64, saved with `safetensors.torch.save_file`; and on a fixed sequence of 6 steps their
outputs, the loss J = sum over steps and outputs of 1/2 (y - t)^2, and every parameter's
gradient by PyTorch's autograd (backpropagation through time).

    python3 -m venv /tmp/torch && /tmp/torch/bin/pip install torch safetensors
    /tmp/torch/bin/python scripts/torch_rnn_fixture.py

The numbers are PyTorch's own; the test loads the weights by name into `network!`
declarations of the same cells and checks outputs, loss and gradients.
"""

import json
from pathlib import Path

import torch
from safetensors.torch import save_file

torch.manual_seed(2026)
torch.set_default_dtype(torch.float64)
fixtures = Path(__file__).resolve().parent.parent / "tests" / "fixtures"
fixtures.mkdir(parents=True, exist_ok=True)

inputs = torch.linspace(-1.5, 1.5, 12).reshape(1, 6, 2).sin()
targets = torch.linspace(-0.8, 0.9, 12).reshape(1, 6, 2).cos()

for name, cell in [("gru", torch.nn.GRU(2, 3, batch_first=True)),
                   ("lstm", torch.nn.LSTM(2, 3, batch_first=True))]:
    head = torch.nn.Linear(3, 2)
    hidden, _ = cell(inputs)
    outputs = head(hidden)
    loss = 0.5 * ((outputs - targets) ** 2).sum()
    parameters = {f"rnn.{key}": value for key, value in cell.named_parameters()}
    parameters.update({f"head.{key}": value for key, value in head.named_parameters()})
    loss.backward()
    save_file({key: value.detach().contiguous() for key, value in parameters.items()},
              str(fixtures / f"torch_{name}.safetensors"))
    record = {
        "inputs": inputs[0].tolist(),
        "targets": targets[0].tolist(),
        "outputs": outputs[0].tolist(),
        "loss": loss.item(),
        "gradients": {key: value.grad.flatten().tolist() for key, value in parameters.items()},
    }
    (fixtures / f"torch_{name}.json").write_text(json.dumps(record, indent=1) + "\n")
    print(f"wrote torch_{name}: loss {loss.item():.6f}")
