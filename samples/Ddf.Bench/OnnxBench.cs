using System;
using System.Globalization;
using System.Linq;
using Microsoft.ML.OnnxRuntime;
using TorchSharp;
using static TorchSharp.torch;

namespace Ddf.Bench;

/// <summary>
/// ONNX Runtime (CPU execution provider) on graphs from <c>Ddf.onnx.export</c> beside this library's TorchSharp path, in
/// the same process: the default layer (<see cref="Ddf3x3"/>) at the Table 2 size and DDF-ResNet-50 at 224x224, batch 1.
/// </summary>
internal static class OnnxBench
{
    private static readonly CultureInfo Invariant = CultureInfo.InvariantCulture;

    /// <summary>Times both paths and prints a markdown table.</summary>
    public static void Run(int runs)
    {
        runs = Math.Min(runs, 7);
        var rows = new System.Collections.Generic.List<(string Name, double Torch, double Ort, double Error)>();
        torch.random.manual_seed(3);
        using (var layer = new Ddf3x3(256))
        using (var x = randn(2, 256, 200, 300))
        {
            var (torchMs, ortMs, error) = Compare(layer, x, randn(1, 256, 16, 16), runs);
            rows.Add(("generated Ddf3x3 layer forward, 2x256x200x300", torchMs, ortMs, error));
        }
        using (var net = models.ddf_resnet50())
        using (var x = randn(1, 3, 224, 224))
        {
            var (torchMs, ortMs, error) = Compare(net, x, randn(1, 3, 64, 64), runs);
            rows.Add(("DDF-ResNet-50 forward, 1x3x224x224", torchMs, ortMs, error));
        }

        Console.WriteLine();
        Console.WriteLine($"### ONNX Runtime {OrtVersion()} CPU vs this library (TorchSharp, managed kernels), float32, {Environment.ProcessorCount} threads, median of {runs}");
        Console.WriteLine();
        Console.WriteLine("| forward (Ddf.onnx.export, opset 17) | TorchSharp ms | ONNX Runtime ms | ONNX Runtime / TorchSharp | max error / max abs output |");
        Console.WriteLine("|---|---:|---:|---:|---:|");
        foreach (var (name, torchMs, ortMs, error) in rows)
            Console.WriteLine(string.Create(Invariant, $"| {name} | {torchMs:F1} | {ortMs:F1} | {ortMs / torchMs:F2} | {error:E1} |"));
    }

    private static (double Torch, double Ort, double Error) Compare(nn.Module<Tensor, Tensor> model, Tensor input, Tensor example, int runs)
    {
        model.eval();
        byte[] graph;
        using (example)
            graph = onnx.export_bytes(model, [example]);
        float[] expected;
        double torchMs;
        using (no_grad())
        {
            using (var output = model.call(input))
                expected = output.contiguous().data<float>().ToArray();
            torchMs = Measure.MedianMilliseconds(() => model.call(input).Dispose(), warmups: 2, runs: runs,
                times => Console.Error.WriteLine($"  TorchSharp {model.GetName()}: runs (ms) {string.Join(" ", times.Select(t => t.ToString("F0", Invariant)))}"));
        }

        using var options = new SessionOptions { GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL, IntraOpNumThreads = Environment.ProcessorCount };
        using var session = new InferenceSession(graph, options);
        var feed = new Microsoft.ML.OnnxRuntime.Tensors.DenseTensor<float>(input.contiguous().data<float>().ToArray(), input.shape.Select(d => (int)d).ToArray());
        var inputs = new[] { NamedOnnxValue.CreateFromTensor(session.InputNames[0], feed) };
        float[] actual;
        using (var results = session.Run(inputs))
            actual = results[0].AsTensor<float>().ToArray();
        double ortMs = Measure.MedianMilliseconds(() => session.Run(inputs).Dispose(), warmups: 2, runs: runs,
            times => Console.Error.WriteLine($"  ONNX Runtime {model.GetName()}: runs (ms) {string.Join(" ", times.Select(t => t.ToString("F0", Invariant)))}"));
        double scale = expected.Max(v => Math.Abs(v));
        double error = expected.Zip(actual, (a, b) => Math.Abs(a - b)).Max() / scale;
        return (torchMs, ortMs, error);
    }

    private static string OrtVersion() =>
        typeof(InferenceSession).Assembly.GetCustomAttributes(typeof(System.Reflection.AssemblyInformationalVersionAttribute), false)
            .OfType<System.Reflection.AssemblyInformationalVersionAttribute>().FirstOrDefault()?.InformationalVersion.Split('+')[0] ?? "";
}
