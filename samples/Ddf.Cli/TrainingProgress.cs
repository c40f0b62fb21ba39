using System;
using System.Diagnostics;
using Spectre.Console;

namespace Ddf.Cli;

/// <summary>
/// Spectre's progress display, drawn by the thread that trains instead of its own render thread. That thread
/// allocates while the training thread is inside libtorch, and a garbage collection it starts there can free a
/// temporary TorchSharp Scalar that libtorch is still reading (README, "TorchSharp and the garbage collector";
/// TorchSharp's own modules and optimizers create such temporaries). Drawn from the training thread between
/// calls, nothing else allocates during a step.
/// </summary>
internal sealed class TrainingProgress
{
    private static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(100);

    private readonly ProgressContext context;
    private long lastDrawn;

    private TrainingProgress(ProgressContext context) => this.context = context;

    /// <summary>
    /// Runs <paramref name="body"/> with a display of its tasks (name, bar, percentage, time left) and returns the
    /// managed bytes that other threads allocated meanwhile (none should: with <c>DDF_DEBUG=1</c> the main job prints it).
    /// </summary>
    public static long Run(Action<TrainingProgress> body)
    {
        long before = OtherThreadsAllocated();
        AnsiConsole.Progress().AutoRefresh(false)
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn())
            .Start(context => body(new TrainingProgress(context)));
        return OtherThreadsAllocated() - before;
    }

    private static long OtherThreadsAllocated() => GC.GetTotalAllocatedBytes(precise: true) - GC.GetAllocatedBytesForCurrentThread();

    /// <summary>Adds a task whose value goes from 0 to <paramref name="maxValue"/>.</summary>
    public ProgressTask AddTask(string name, double maxValue) => context.AddTask(name, maxValue: maxValue);

    /// <summary>Redraws the display if it was last drawn 100 ms ago or more; call it between steps.</summary>
    public void Tick()
    {
        if (Stopwatch.GetElapsedTime(lastDrawn) < Interval)
            return;
        context.Refresh();
        lastDrawn = Stopwatch.GetTimestamp();
    }
}
