using System;
using System.ComponentModel;
using System.IO;
using System.Linq;
using Ddf.Cli.Depth;
using Spectre.Console;
using Spectre.Console.Cli;
using TorchSharp;
using static TorchSharp.torch;

namespace Ddf.Cli.Commands;

/// <summary>Joint depth upsampling on procedural RGB-D scenes: DDF-Up-Net, a conv decoder and bicubic.</summary>
internal sealed class TrainDepthCommand : Command<TrainDepthCommand.Settings>
{
    public sealed class Settings : CommandSettings
    {
        [CommandOption("--scale <N>")]
        [Description("Upsampling factor: 4, 8 or 16. Default: 8.")]
        [DefaultValue(8)]
        public int Scale { get; init; }

        [CommandOption("--steps <N>")]
        [Description("Training steps of each network (batch 8). Default: 300.")]
        [DefaultValue(300)]
        public int Steps { get; init; }

        [CommandOption("--size <N>")]
        [Description("Side of the high-resolution scenes, a multiple of the scale. Default: 64.")]
        [DefaultValue(64)]
        public int Size { get; init; }

        [CommandOption("--out <FOLDER>")]
        [Description("Where the comparison picture goes. Default: ddf-output.")]
        [DefaultValue("ddf-output")]
        public string Output { get; init; } = "ddf-output";

        public override ValidationResult Validate()
        {
            if (Scale is not (4 or 8 or 16))
                return ValidationResult.Error($"--scale must be 4, 8 or 16, got {Scale}.");
            if (Steps < 1)
                return ValidationResult.Error("--steps must be at least 1.");
            if (Size < Scale || Size % Scale != 0)
                return ValidationResult.Error($"--size must be a positive multiple of --scale ({Scale}), got {Size}.");
            return ValidationResult.Success();
        }
    }

    public override int Execute(CommandContext context, Settings settings, System.Threading.CancellationToken cancellation)
    {
        NativeMemoryTuning.KeepFreedMemory();
        manual_seed(1);
        var (trainRgb, trainDepth) = RgbdScenes.Generate(512, settings.Size, seed: 1);
        var (testRgb, testDepth) = RgbdScenes.Generate(64, settings.Size, seed: 2);
        Tensor Low(Tensor depth) => nn.functional.avg_pool2d(depth, settings.Scale);
        AnsiConsole.MarkupLine($"Procedurally generated RGB-D scenes (no NYU-Depth here): 512 train / 64 test, {settings.Size}x{settings.Size}, x{settings.Scale}");

        var networks = new (string Name, nn.Module<Tensor, Tensor, Tensor> Model)[]
        {
            ("DDF-Up-Net", new DdfUpNet(settings.Scale)),
            ("conv decoder", new ConvDecoder(settings.Scale)),
        };
        var rmse = new double[networks.Length];
        TrainingProgress.Run(progress =>
        {
            for (int i = 0; i < networks.Length; i++)
            {
                var task = progress.AddTask(networks[i].Name, maxValue: settings.Steps);
                var model = networks[i].Model;
                using var optimizer = optim.Adam(model.parameters(), lr: 2e-3);
                var random = new Random(3);
                model.train();
                for (int step = 0; step < settings.Steps; step++)
                {
                    // No collection starts during the step: TorchSharp's BatchNorm and Adam hand libtorch temporary Scalars.
                    CollectionFree.Run(() =>
                    {
                        optimizer.zero_grad();
                        using (var scope = NewDisposeScope())
                        {
                            var index = tensor(new long[8].Select(_ => (long)random.Next(512)).ToArray());
                            var depth = trainDepth.index_select(0, index);
                            nn.functional.l1_loss(model.call(Low(depth), trainRgb.index_select(0, index)), depth).backward();
                        }
                        // Outside the scope: the optimizer's state tensors are created on its first step and must outlive it.
                        optimizer.step();
                    });
                    task.Increment(1);
                    progress.Tick();
                }
                rmse[i] = Rmse(Predict(model, Low(testDepth), testRgb), testDepth);
                GC.Collect();
                GC.WaitForPendingFinalizers();
            }
        });

        using var noGrad = no_grad();
        var bicubic = nn.functional.interpolate(Low(testDepth), scale_factor: [settings.Scale, settings.Scale], mode: InterpolationMode.Bicubic, align_corners: false);
        var table = new Table().AddColumns("method", $"RMSE x1e-2 (x{settings.Scale}, test scenes)");
        table.AddRow("bicubic", $"{Rmse(bicubic, testDepth) * 100:F2}");
        for (int i = 0; i < networks.Length; i++)
            table.AddRow(networks[i].Name, $"{rmse[i] * 100:F2}");
        AnsiConsole.Write(table);

        Directory.CreateDirectory(settings.Output);
        string picture = Path.Combine(settings.Output, $"depth-upsample-x{settings.Scale}.png");
        var ddf = Predict(networks[0].Model, Low(testDepth[..1]), testRgb[..1]);
        Charts.DepthPanels(picture,
        [
            ("input (nearest)", Map(nn.functional.interpolate(Low(testDepth[..1]), scale_factor: [settings.Scale, settings.Scale], mode: InterpolationMode.Nearest))),
            ("guidance (grey)", Map(testRgb[..1].mean([1], keepdim: true))),
            ("DDF-Up-Net", Map(ddf)),
            ("truth", Map(testDepth[..1])),
        ]);
        AnsiConsole.MarkupLine($"Saved input / guidance / output / truth to {Markup.Escape(picture)}.");
        return 0;
    }

    private static Tensor Predict(nn.Module<Tensor, Tensor, Tensor> model, Tensor low, Tensor rgb)
    {
        model.eval();
        using var noGrad = no_grad();
        return model.call(low, rgb).clamp(HeldScalars.Zero, HeldScalars.One);
    }

    private static double Rmse(Tensor prediction, Tensor truth) => (prediction - truth).square().mean().sqrt().item<float>();

    /// <summary>One map as rows top to bottom (ScottPlot draws row 0 at the top).</summary>
    private static double[,] Map(Tensor image)
    {
        var values = image[0, 0].to(ScalarType.Float64).contiguous();
        long h = values.shape[0], w = values.shape[1];
        var data = values.data<double>().ToArray();
        var map = new double[h, w];
        for (long y = 0; y < h; y++)
            for (long x = 0; x < w; x++)
                map[y, x] = data[y * w + x];
        return map;
    }
}
