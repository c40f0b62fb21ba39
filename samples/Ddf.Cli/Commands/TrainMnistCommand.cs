using System;
using System.ComponentModel;
using System.Globalization;
using System.IO;
using Ddf.Cli.Mnist;
using Spectre.Console;
using Spectre.Console.Cli;
using static TorchSharp.torch;

namespace Ddf.Cli.Commands;

/// <summary>Trains the DDF digit classifier and its conv twin, prints both test accuracies, saves model and chart.</summary>
internal sealed class TrainMnistCommand : Command<TrainMnistCommand.Settings>
{
    public sealed class Settings : CommandSettings
    {
        [CommandOption("--epochs <N>")]
        [Description("Passes over the 8,000 training digits. Default: 10.")]
        [DefaultValue(10)]
        public int Epochs { get; init; }

        [CommandOption("--batch <N>")]
        [Description("Digits per step. Default: 64.")]
        [DefaultValue(64)]
        public int Batch { get; init; }

        [CommandOption("--train-digits <N>")]
        [Description("How many of the 8,000 training digits to use (the first N of the split). Default: all.")]
        [DefaultValue(8000)]
        public int TrainDigits { get; init; }

        [CommandOption("--seed <N>")]
        [Description("Seed of the initialisation and the shuffling. Default: 1.")]
        [DefaultValue(1)]
        public int Seed { get; init; }

        [CommandOption("--out <FOLDER>")]
        [Description("Where the trained model and the chart go. Default: ddf-output.")]
        [DefaultValue("ddf-output")]
        public string Output { get; init; } = "ddf-output";

        public override ValidationResult Validate() =>
            Epochs < 1 || Batch < 1 ? ValidationResult.Error("--epochs and --batch must be at least 1.")
            : TrainDigits is < 1 or > 8000 ? ValidationResult.Error("--train-digits must be 1 to 8,000.")
            : ValidationResult.Success();
    }

    public override int Execute(CommandContext context, Settings settings, System.Threading.CancellationToken cancellation)
    {
        // Training allocates the same large tensors every step: keep glibc from handing them back to the
        // OS (and paying their page faults again) on every free. See NativeMemoryTuning.
        NativeMemoryTuning.KeepFreedMemory();
        var digits = MnistDigits.LoadEmbedded();
        var (train, test) = digits.Split();
        train = train[..settings.TrainDigits];
        AnsiConsole.MarkupLine($"MNIST: {digits.Count:N0} real digits embedded, {train.Length:N0} train / {test.Length:N0} test; {settings.Epochs} epochs, batch {settings.Batch}, {Environment.ProcessorCount} cores");

        var results = new MnistTrainer.Result[2];
        var names = new[] { "DDF", "conv 3x3" };
        string? onnxReport = null; // the DDF network as ONNX, checked under ONNX Runtime (Mnist/MnistOnnx.cs)
        long otherThreads = TrainingProgress.Run(progress =>
        {
            for (int i = 0; i < 2; i++)
            {
                var task = progress.AddTask(names[i], maxValue: 1.0);
                manual_seed(settings.Seed);
                var model = i == 0 ? models.mnist_ddf() : models.mnist_conv();
                results[i] = MnistTrainer.Train(model, digits, train, test, settings.Epochs, settings.Batch, settings.Seed, fraction =>
                {
                    task.Value = fraction;
                    progress.Tick();
                });
                task.Value = 1.0;
                if (i == 0)
                {
                    Directory.CreateDirectory(settings.Output);
                    model.save(Path.Combine(settings.Output, "mnist-ddf.model.bin"));
                    onnxReport = MnistOnnx.ExportAndEvaluate(model, digits, test, Path.Combine(settings.Output, "mnist-ddf.onnx"));
                }
                model.Dispose();
            }
        });

        var table = new Table().AddColumns("network", "parameters", "test accuracy", "final loss", "time");
        for (int i = 0; i < 2; i++)
        {
            var r = results[i];
            table.AddRow(names[i], $"{r.Parameters:N0}", $"{r.TestAccuracy:P2}", $"{r.FinalLoss:F4}", $"{r.Elapsed.TotalSeconds:F0} s");
        }
        AnsiConsole.Write(table);
        if (Program.Debugging)
        {
            AnsiConsole.MarkupLine($"Managed memory allocated by other threads while training: {otherThreads.ToString("N0", CultureInfo.InvariantCulture)} bytes.");
            AnsiConsole.MarkupLine($"Steps run without the no-collection guarantee: {CollectionFree.Lapsed.ToString("N0", CultureInfo.InvariantCulture)}.");
        }
        string chart = Path.Combine(settings.Output, "mnist-training.png");
        Charts.Training(chart, names, results);
        AnsiConsole.MarkupLine($"Saved the DDF model to {Markup.Escape(Path.Combine(settings.Output, "mnist-ddf.model.bin"))} and the loss/accuracy chart to {Markup.Escape(chart)}.");
        AnsiConsole.MarkupLine(Markup.Escape(onnxReport ?? ""));
        return 0;
    }
}
