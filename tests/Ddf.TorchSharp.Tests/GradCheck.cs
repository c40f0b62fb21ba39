using System;
using System.Collections.Generic;
using System.Linq;
using Xunit;
using static TorchSharp.torch;

namespace Ddf.TorchSharp.Tests;

/// <summary>
/// A float64 finite-difference gradient check (TorchSharp has no gradcheck): the analytic gradient
/// of sum(f(inputs) * probe) for a fixed random probe is compared, element by element, with the
/// central difference (L(x + eps) - L(x - eps)) / (2 eps).
/// </summary>
internal static class GradCheck
{
    public static void Check(Func<Tensor[], Tensor> f, Tensor[] inputs, double eps = 1e-6, double atol = 1e-6, double rtol = 1e-5)
    {
        Assert.All(inputs, t => Assert.Equal(ScalarType.Float64, t.dtype));
        var leaves = inputs.Select(t => t.detach().clone().requires_grad_(true)).ToArray();
        var output = f(leaves);
        var probe = randn(output.shape, output.dtype, generator: new Generator(7));
        (output * probe).sum().backward();

        using var noGrad = no_grad();
        for (int i = 0; i < leaves.Length; i++)
        {
            var analytic = leaves[i].grad ?? throw new InvalidOperationException($"input {i} received no gradient");
            var values = leaves[i].detach().clone();
            var accessor = values.view(-1).data<double>();
            var args = leaves.Select(t => t.detach()).ToArray();
            args[i] = values;
            var analyticValues = analytic.contiguous().data<double>().ToArray();
            for (long j = 0; j < values.numel(); j++)
            {
                double original = accessor[j];
                accessor[j] = original + eps;
                double plus = (f(args) * probe).sum().item<double>();
                accessor[j] = original - eps;
                double minus = (f(args) * probe).sum().item<double>();
                accessor[j] = original;
                double numeric = (plus - minus) / (2 * eps);
                double got = analyticValues[j];
                if (Math.Abs(got - numeric) > atol + rtol * Math.Abs(numeric))
                    Assert.Fail($"gradient of input {i} at flat index {j}: analytic {got:R}, finite difference {numeric:R}");
            }
        }
    }
}
