using System;
using System.Collections.Generic;
using System.Diagnostics;
using TorchSharp;
using static TorchSharp.torch;

namespace Ddf.Cli.Mnist;

/// <summary>Trains a classifier on the embedded digits and measures test accuracy after every epoch.</summary>
internal static class MnistTrainer
{
    public sealed record Result(double TestAccuracy, double FinalLoss, TimeSpan Elapsed, long Parameters,
        IReadOnlyList<double> Losses, IReadOnlyList<double> EpochAccuracies);

    /// <summary>Adam with a cosine learning-rate decay from 5e-3 to 0 over the run; digits shifted by up to 2 pixels.</summary>
    public static Result Train(nn.Module<Tensor, Tensor> model, MnistDigits digits, int[] train, int[] test,
        int epochs, int batchSize, int seed, Action<double>? progress = null)
    {
        var clock = Stopwatch.StartNew();
        const double peak = 5e-3;
        using var optimizer = optim.Adam(model.parameters(), lr: peak);
        var random = new Random(seed);
        var order = (int[])train.Clone();
        int stepsPerEpoch = (order.Length + batchSize - 1) / batchSize, total = epochs * stepsPerEpoch, step = 0;
        var losses = new List<double>();
        var accuracies = new List<double>();
        for (int epoch = 0; epoch < epochs; epoch++)
        {
            model.train();
            random.Shuffle(order);
            for (int start = 0; start < order.Length; start += batchSize, step++)
            {
                foreach (var group in optimizer.ParamGroups)
                    group.LearningRate = peak * 0.5 * (1 + Math.Cos(Math.PI * step / total));
                // No collection starts during the step: TorchSharp's BatchNorm and Adam hand libtorch temporary Scalars.
                CollectionFree.Run(() =>
                {
                    optimizer.zero_grad();
                    using (var scope = NewDisposeScope())
                    {
                        var (images, labels) = digits.Batch(order.AsSpan(start, Math.Min(batchSize, order.Length - start)), random);
                        var loss = nn.functional.cross_entropy(model.call(images), labels);
                        loss.backward();
                        losses.Add(loss.item<float>());
                    }
                    // Outside the scope: the optimizer's state tensors are created on its first step and must outlive it.
                    optimizer.step();
                });
                progress?.Invoke((double)(step + 1) / total);
            }
            accuracies.Add(Evaluate(model, digits, test, batchSize));
        }
        long parameters = 0;
        foreach (var p in model.parameters())
            parameters += p.numel();
        return new Result(accuracies[^1], losses[^1], clock.Elapsed, parameters, losses, accuracies);
    }

    public static double Evaluate(nn.Module<Tensor, Tensor> model, MnistDigits digits, int[] test, int batchSize)
    {
        model.eval();
        using var noGrad = no_grad();
        long correct = 0;
        for (int start = 0; start < test.Length; start += batchSize)
        {
            correct += CollectionFree.Run(() =>
            {
                using var scope = NewDisposeScope();
                var (images, labels) = digits.Batch(test.AsSpan(start, Math.Min(batchSize, test.Length - start)));
                return model.call(images).argmax(1).eq(labels).sum().item<long>();
            });
        }
        return (double)correct / test.Length;
    }
}
