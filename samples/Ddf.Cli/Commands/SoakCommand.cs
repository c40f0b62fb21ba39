using System;
using System.ComponentModel;
using System.Diagnostics;
using Spectre.Console;
using Spectre.Console.Cli;
using static TorchSharp.torch;

namespace Ddf.Cli.Commands;

/// <summary>Many forward+backward passes of a generated layer under dispose scopes, watching resident memory.</summary>
internal sealed class SoakCommand : Command<SoakCommand.Settings>
{
    public sealed class Settings : CommandSettings
    {
        [CommandOption("--iterations <N>")]
        [Description("Forward+backward passes after the warm-up. Default: 10000.")]
        [DefaultValue(10_000)]
        public int Iterations { get; init; }

        public override ValidationResult Validate() =>
            Iterations < 1 ? ValidationResult.Error("--iterations must be at least 1.") : ValidationResult.Success();
    }

    public override int Execute(CommandContext context, Settings settings, System.Threading.CancellationToken cancellation)
    {
        var layer = new Ddf3(32);
        var x = randn(4, 32, 28, 28);
        void Pass()
        {
            using var scope = NewDisposeScope();
            layer.forward(x.detach().requires_grad_(true)).sum().backward();
            layer.zero_grad();
        }
        long before = 0;
        var clock = new Stopwatch();
        TrainingProgress.Run(progress =>
        {
            // Warm-up inside the same progress display, so one-time growth (JIT tiers, allocator arenas,
            // the display itself) is behind the baseline.
            var warmUp = progress.AddTask("warm-up", 1000);
            for (int i = 0; i < 1000; i++)
            {
                Pass();
                warmUp.Increment(1);
                progress.Tick();
            }
            before = Rss();
            clock.Start();
            var task = progress.AddTask("forward+backward", settings.Iterations);
            for (int i = 0; i < settings.Iterations; i++)
            {
                Pass();
                task.Increment(1);
                progress.Tick();
            }
        });
        long after = Rss();
        double growth = (double)(after - before) / before;
        AnsiConsole.MarkupLine($"{settings.Iterations:N0} passes in {clock.Elapsed.TotalSeconds:F0} s; resident memory after warm-up {before >> 20} MB, at the end {after >> 20} MB ({growth:+0.0%;-0.0%}).");
        return growth < 0.05 ? 0 : 1;
    }

    private static long Rss()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        using var process = Process.GetCurrentProcess();
        return process.WorkingSet64;
    }
}
