using System;
using System.IO;
using System.Linq;
using Microsoft.ML.OnnxRuntime;
using static TorchSharp.torch;

namespace Ddf.Cli.Mnist;

/// <summary>The trained DDF digit classifier as ONNX (<c>Ddf.onnx.export</c>), its test accuracy under ONNX Runtime beside TorchSharp's.</summary>
internal static class MnistOnnx
{
    /// <summary>Writes <paramref name="file"/> and returns a one-line report of both accuracies on the test digits.</summary>
    public static string ExportAndEvaluate(nn.Module<Tensor, Tensor> model, MnistDigits digits, int[] test, string file, int batchSize = 500)
    {
        using (var example = zeros(1, 1, MnistDigits.Side, MnistDigits.Side))
            onnx.export(model, [example], file);
        double torchAccuracy = MnistTrainer.Evaluate(model, digits, test, batchSize);
        model.train();

        using var session = new InferenceSession(file);
        string input = session.InputNames[0];
        long correct = 0;
        for (int start = 0; start < test.Length; start += batchSize)
        {
            using var scope = NewDisposeScope();
            var (images, labels) = digits.Batch(test.AsSpan(start, Math.Min(batchSize, test.Length - start)));
            var feed = new Microsoft.ML.OnnxRuntime.Tensors.DenseTensor<float>(images.contiguous().data<float>().ToArray(), images.shape.Select(d => (int)d).ToArray());
            using var results = session.Run([NamedOnnxValue.CreateFromTensor(input, feed)]);
            var logits = results[0].AsTensor<float>();
            long[] truth = labels.data<long>().ToArray();
            for (int b = 0; b < truth.Length; b++)
            {
                int best = 0;
                for (int c = 1; c < logits.Dimensions[1]; c++)
                    if (logits[b, c] > logits[b, best])
                        best = c;
                if (best == truth[b])
                    correct++;
            }
        }
        double onnxAccuracy = (double)correct / test.Length;
        return $"ONNX: wrote {file} ({new FileInfo(file).Length / 1024.0:F0} KiB); test accuracy under ONNX Runtime {onnxAccuracy:P2}, TorchSharp {torchAccuracy:P2} " +
            $"({(Math.Abs(onnxAccuracy - torchAccuracy) <= 0.001 ? "equal to 0.1 %" : "DIFFERENT")}).";
    }
}
