"""The parts of the book's network2.py that touch model files, for tests/test_json.cpp.

    network2_compat.py predict MODEL INPUTS OUTPUTS   load MODEL as network2.load does, feed each row of
                                                      INPUTS (whitespace-separated numbers) forward as a
                                                      column vector; write "argmax a0 a1 ..." per row
    network2_compat.py write MODEL SEED SIZE...       a Network(sizes) with network2's default weight
                                                      initialisation from SEED, saved by network2's save()

The code below follows network2.py line for line (Python 3, numpy), trimmed to what these commands need.
"""
import json
import sys

import numpy as np


class QuadraticCost(object):
    pass


class CrossEntropyCost(object):
    pass


def sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


class Network(object):
    def __init__(self, sizes, cost=CrossEntropyCost):
        self.num_layers = len(sizes)
        self.sizes = sizes
        self.default_weight_initializer()
        self.cost = cost

    def default_weight_initializer(self):
        self.biases = [np.random.randn(y, 1) for y in self.sizes[1:]]
        self.weights = [np.random.randn(y, x) / np.sqrt(x) for x, y in zip(self.sizes[:-1], self.sizes[1:])]

    def feedforward(self, a):
        for b, w in zip(self.biases, self.weights):
            a = sigmoid(np.dot(w, a) + b)
        return a

    def save(self, filename):
        data = {"sizes": self.sizes,
                "weights": [w.tolist() for w in self.weights],
                "biases": [b.tolist() for b in self.biases],
                "cost": str(self.cost.__name__)}
        f = open(filename, "w")
        json.dump(data, f)
        f.close()


def load(filename):
    f = open(filename, "r")
    data = json.load(f)
    f.close()
    cost = getattr(sys.modules[__name__], data["cost"])
    net = Network(data["sizes"], cost=cost)
    net.weights = [np.array(w) for w in data["weights"]]
    net.biases = [np.array(b) for b in data["biases"]]
    return net


def main(argv):
    if len(argv) == 4 and argv[0] == "predict":
        net = load(argv[1])
        x = np.loadtxt(argv[2], ndmin=2)
        with open(argv[3], "w") as out:
            for row in x:
                a = net.feedforward(row.reshape(-1, 1))
                out.write(" ".join([str(int(np.argmax(a)))] + [repr(float(v)) for v in a.ravel()]) + "\n")
        return 0
    if len(argv) >= 4 and argv[0] == "write":
        np.random.seed(int(argv[2]))
        Network([int(s) for s in argv[3:]]).save(argv[1])
        return 0
    sys.stderr.write(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
