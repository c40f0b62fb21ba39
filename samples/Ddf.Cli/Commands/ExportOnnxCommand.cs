using System;
using System.ComponentModel;
using System.Diagnostics;
using System.IO;
using System.Linq;
using Microsoft.ML.OnnxRuntime;
using Spectre.Console;
using Spectre.Console.Cli;
using static TorchSharp.torch;

namespace Ddf.Cli.Commands;

/// <summary><c>ddf export onnx &lt;model&gt; &lt;file.onnx&gt;</c>: a <c>summary</c> model as ONNX, checked under ONNX Runtime on another size.</summary>
internal sealed class ExportOnnxCommand : Command<ExportOnnxCommand.Settings>
{
    public sealed class Settings : CommandSettings
    {
        [CommandArgument(0, "<model>")]
        [Description("ddf_resnet18, ddf_resnet50, ddf_resnet101, resnet18, resnet50 or resnet101.")]
        public string Model { get; init; } = "";

        [CommandArgument(1, "<file>")]
        [Description("The .onnx file to write.")]
        public string File { get; init; } = "";

        [CommandOption("--size <N>")]
        [Description("Height and width of the example input. Default: 224.")]
        [DefaultValue(224)]
        public int Size { get; init; } = 224;

        public override ValidationResult Validate() =>
            !SummaryCommand.Models.Contains(Model) ? ValidationResult.Error($"unknown model '{Model}'; use one of: {string.Join(", ", SummaryCommand.Models)}.")
            : Size < 32 ? ValidationResult.Error($"--size must be at least 32, got {Size}.")
            : string.IsNullOrWhiteSpace(File) ? ValidationResult.Error("name the .onnx file to write.")
            : ValidationResult.Success();
    }

    public override int Execute(CommandContext context, Settings settings, System.Threading.CancellationToken cancellation)
    {
        manual_seed(1);
        using var model = SummaryCommand.Create(settings.Model);
        string? folder = Path.GetDirectoryName(Path.GetFullPath(settings.File));
        if (folder is not null)
            Directory.CreateDirectory(folder);
        var watch = Stopwatch.StartNew();
        using (var example = randn(1, 3, settings.Size, settings.Size))
            onnx.export(model, [example], settings.File);
        AnsiConsole.MarkupLineInterpolated($"Wrote {settings.File}: {settings.Model}, {new FileInfo(settings.File).Length / (1024.0 * 1024.0):F1} MiB, opset 17, batch/height/width symbolic ({watch.Elapsed.TotalSeconds:F1} s).");

        // Check: ONNX Runtime against TorchSharp's eval forward on another batch and size.
        int size = settings.Size + 32;
        using var input = randn(2, 3, size, size);
        float[] expected;
        model.eval();
        using (no_grad())
        using (var output = model.call(input))
            expected = output.contiguous().data<float>().ToArray();
        using var session = new InferenceSession(settings.File);
        var feed = new Microsoft.ML.OnnxRuntime.Tensors.DenseTensor<float>(input.data<float>().ToArray(), [2, 3, size, size]);
        using var results = session.Run([NamedOnnxValue.CreateFromTensor(session.InputNames[0], feed)]);
        float[] actual = results[0].AsTensor<float>().ToArray();
        double scale = expected.Max(v => Math.Abs(v)), error = expected.Zip(actual, (a, b) => Math.Abs(a - b)).Max();
        AnsiConsole.MarkupLineInterpolated($"ONNX Runtime on 2x3x{size}x{size}: max error / max |TorchSharp| = {error / scale:E2}.");
        return error / scale <= 1e-3 ? 0 : 1;
    }
}
