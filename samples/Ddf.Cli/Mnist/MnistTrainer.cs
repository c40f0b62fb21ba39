using System;
using System.Diagnostics;
using TorchSharp;
using static TorchSharp.torch;

namespace Ddf.Cli.Mnist;

/// <summary>Trains a classifier on the embedded digits and measures test accuracy.</summary>
internal static class MnistTrainer
{
    public sealed record Result(double TestAccuracy, double FinalLoss, TimeSpan Elapsed, long Parameters);

    public static Result Train(nn.Module<Tensor, Tensor> model, MnistDigits digits, int[] train, int[] test,
        int epochs, int batchSize, int seed, Action<string>? progress = null)
    {
        var clock = Stopwatch.StartNew();
        var optimizer = optim.Adam(model.parameters(), lr: 2e-3);
        var random = new Random(seed);
        var order = (int[])train.Clone();
        int steps = 0, stepsPerEpoch = (order.Length + batchSize - 1) / batchSize;
        double loss = double.NaN;
        for (int epoch = 0; epoch < epochs; epoch++)
        {
            model.train();
            random.Shuffle(order);
            for (int start = 0; start < order.Length; start += batchSize)
            {
                using var scope = NewDisposeScope();
                var (images, labels) = digits.Batch(order.AsSpan(start, Math.Min(batchSize, order.Length - start)));
                optimizer.zero_grad();
                var batchLoss = nn.functional.cross_entropy(model.forward(images), labels);
                batchLoss.backward();
                optimizer.step();
                loss = batchLoss.item<float>();
                if (++steps % 25 == 0)
                    progress?.Invoke($"epoch {epoch + 1}/{epochs}  step {steps - epoch * stepsPerEpoch}/{stepsPerEpoch}  loss {loss:F4}");
            }
        }
        double accuracy = Evaluate(model, digits, test, batchSize);
        long parameters = 0;
        foreach (var p in model.parameters())
            parameters += p.numel();
        return new Result(accuracy, loss, clock.Elapsed, parameters);
    }

    public static double Evaluate(nn.Module<Tensor, Tensor> model, MnistDigits digits, int[] test, int batchSize)
    {
        model.eval();
        using var noGrad = no_grad();
        long correct = 0;
        for (int start = 0; start < test.Length; start += batchSize)
        {
            using var scope = NewDisposeScope();
            var (images, labels) = digits.Batch(test.AsSpan(start, Math.Min(batchSize, test.Length - start)));
            correct += model.forward(images).argmax(1).eq(labels).sum().item<long>();
        }
        return (double)correct / test.Length;
    }
}
