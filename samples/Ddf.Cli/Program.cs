using System;
using Ddf.Cli.Commands;
using Spectre.Console;
using Spectre.Console.Cli;

namespace Ddf.Cli;

/// <summary>ddf: train and use decoupled dynamic filter layers on real data.</summary>
internal static class Program
{
    /// <summary>DDF_DEBUG=1: errors print their managed stack, the main job what other threads allocated while it trained.</summary>
    public static bool Debugging => System.Environment.GetEnvironmentVariable("DDF_DEBUG") == "1";

    public static int Main(string[] args)
    {
        var app = new CommandApp<TrainMnistCommand>();
        app.Configure(config =>
        {
            config.SetApplicationName("ddf");
            config.AddBranch("train", train =>
            {
                train.SetDescription("Train DDF networks on real or procedurally generated data.");
                train.AddCommand<TrainMnistCommand>("mnist")
                    .WithDescription("A DDF digit classifier and its 3x3-conv twin on the 10,000 real MNIST digits embedded here (the default command).");
                train.AddCommand<TrainDepthCommand>("depth-upsample")
                    .WithDescription("DDF-Up-Net against bicubic and a conv decoder on procedurally generated RGB-D scenes.");
            });
            config.AddCommand<SummaryCommand>("summary")
                .WithDescription("Per-part and total parameters and multiply-adds of a model at 224x224.");
            config.AddBranch("export", export =>
            {
                export.SetDescription("Export a model.");
                export.AddCommand<ExportOnnxCommand>("onnx")
                    .WithDescription("A summary model as ONNX in standard operators (batch/height/width symbolic), checked under ONNX Runtime.");
            });
            config.AddCommand<SoakCommand>("soak")
                .WithDescription("10,000 forward+backward passes under dispose scopes; fails if resident memory grows 5 % or more.");
            config.AddCommand<BenchCommand>("bench")
                .WithDescription("The benchmark tables at the paper's Table 2 size (takes a few minutes).");
            // Errors are messages, never stack traces.
            config.SetExceptionHandler((error, _) =>
            {
                AnsiConsole.MarkupLineInterpolated($"[red]ddf: {error.Message}[/]");
                if (Debugging)
                    AnsiConsole.WriteLine(error.ToString());
                return error is CommandAppException or ArgumentException ? 2 : 1;
            });
        });
        return app.Run(args);
    }
}
