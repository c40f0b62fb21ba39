using System;
using System.Diagnostics;
using Spectre.Console;

namespace Ddf.Cli;

/// <summary>
/// Spectre's progress display, drawn by the thread that trains (between steps) instead of a render thread of its own,
/// so the display allocates nothing on another thread. The steps themselves run in <see cref="CollectionFree"/>, which
/// is what keeps TorchSharp's temporary Scalars alive while libtorch reads them whatever other threads do (README,
/// "TorchSharp and the garbage collector"); <c>DDF_STRESS_THREAD=1</c> starts a thread that allocates beside the
/// training, the stress test's lever.
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
        using var stress = Environment.GetEnvironmentVariable("DDF_STRESS_THREAD") == "1" ? new AllocatingThread() : null;
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

    /// <summary>
    /// A thread allocating about 50 MB/s in small objects (as a display, a logger or finalizers may) until disposed: with
    /// frequent collections most of them start on this thread, at any point of the training thread's native calls.
    /// </summary>
    private sealed class AllocatingThread : IDisposable
    {
        private readonly System.Threading.Thread thread;
        private volatile bool stop;

        public AllocatingThread()
        {
            thread = new System.Threading.Thread(() =>
            {
                object?[] recent = new object?[64];
                for (int i = 0; !stop; i++)
                {
                    recent[i % recent.Length] = new byte[1000];
                    if (i % 64 == 63)
                        System.Threading.Thread.Sleep(1);
                }
            }) { IsBackground = true, Name = "DDF_STRESS_THREAD" };
            thread.Start();
        }

        public void Dispose()
        {
            stop = true;
            thread.Join();
        }
    }
}
