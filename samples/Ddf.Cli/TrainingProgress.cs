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

    private readonly AllocatingThread? stress;

    private TrainingProgress(ProgressContext context, AllocatingThread? stress)
    {
        this.context = context;
        this.stress = stress;
    }

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
            .Start(context => body(new TrainingProgress(context, stress)));
        return OtherThreadsAllocated() - before;
    }

    private static long OtherThreadsAllocated() => GC.GetTotalAllocatedBytes(precise: true) - GC.GetAllocatedBytesForCurrentThread();

    /// <summary>Adds a task whose value goes from 0 to <paramref name="maxValue"/>.</summary>
    public ProgressTask AddTask(string name, double maxValue) => context.AddTask(name, maxValue: maxValue);

    /// <summary>Redraws the display if it was last drawn 100 ms ago or more; call it between steps.</summary>
    public void Tick()
    {
        stress?.Step();
        if (Stopwatch.GetElapsedTime(lastDrawn) < Interval)
            return;
        context.Refresh();
        lastDrawn = Stopwatch.GetTimestamp();
    }

    /// <summary>
    /// A thread allocating small objects beside the training (as a display, a logger or finalizers may) until
    /// disposed: 4 MB after each step, spread over the next (16 KB a millisecond). With frequent collections most of
    /// them then start on this thread, at any point of the training thread's native calls; bounded per step, so a
    /// <see cref="CollectionFree"/> step never runs out of budget, however slow the machine.
    /// </summary>
    private sealed class AllocatingThread : IDisposable
    {
        private const int BytesPerStep = 4 << 20;
        private readonly System.Threading.Thread thread;
        private readonly System.Threading.SemaphoreSlim steps = new(0);
        private volatile bool stop;

        public AllocatingThread()
        {
            thread = new System.Threading.Thread(() =>
            {
                object?[] recent = new object?[64];
                while (true)
                {
                    steps.Wait();
                    if (stop)
                        return;
                    for (int i = 0; i < BytesPerStep / 1000 && !stop; i++)
                    {
                        recent[i % recent.Length] = new byte[1000];
                        if (i % 16 == 15)
                            System.Threading.Thread.Sleep(1);
                    }
                }
            }) { IsBackground = true, Name = "DDF_STRESS_THREAD" };
            thread.Start();
        }

        /// <summary>Lets the thread allocate its next 4 MB (one grant waits while it still works on the last).</summary>
        public void Step()
        {
            if (steps.CurrentCount == 0)
                steps.Release();
        }

        public void Dispose()
        {
            stop = true;
            steps.Release();
            thread.Join();
        }
    }
}
