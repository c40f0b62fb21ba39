using System.Collections.Generic;
using TorchSharp.Modules;
using Xunit;
using static TorchSharp.torch;

namespace Ddf.TestSupport;

/// <summary>Checks that parameters can learn: a few Adam steps must bring a loss well down.</summary>
public static class TrainingCheck
{
    public static void AssertLearns(IEnumerable<Parameter> parameters, System.Func<Tensor> loss, int steps = 40, double learningRate = 1e-2, double factor = 0.7)
    {
        var optimizer = optim.Adam(parameters, lr: learningRate);
        double first = double.NaN, last = double.NaN;
        for (int step = 0; step < steps; step++)
        {
            // No collection starts during the step: Adam hands libtorch temporary Scalars (README, "TorchSharp and the garbage collector").
            last = CollectionFree.Run(() =>
            {
                optimizer.zero_grad();
                var value = loss();
                value.backward();
                optimizer.step();
                return value.item<float>();
            });
            if (step == 0)
                first = last;
        }
        Assert.True(last < factor * first, $"loss went from {first} to {last}");
    }
}
