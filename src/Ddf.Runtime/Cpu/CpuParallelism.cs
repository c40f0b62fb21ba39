using System;
using System.Runtime.CompilerServices;
using System.Runtime.ExceptionServices;
using System.Threading;

namespace Ddf.Runtime;

/// <summary>The body of a parallel loop over tiles: a struct holding what the tiles need, so a call allocates nothing.</summary>
internal interface ITileLoop
{
    /// <summary>Runs tile <paramref name="tile"/>.</summary>
    void Run(int tile);
}

/// <summary>How many threads the CPU kernels use, and the loop that runs their tiles.</summary>
public static unsafe class CpuParallelism
{
    private static int maxDegree = -1;

    /// <summary>
    /// Upper bound on the threads a CPU kernel runs on; -1 (the default) means all cores.
    /// Results do not depend on it: work is split into the same fixed tiles for any thread count.
    /// </summary>
    public static int MaxDegreeOfParallelism
    {
        get => maxDegree;
        set
        {
            if (value == 0 || value < -1)
                throw new ArgumentOutOfRangeException(nameof(value), value, "MaxDegreeOfParallelism must be -1 (all cores) or at least 1.");
            maxDegree = value;
        }
    }

    /// <summary>The threads a kernel may run on now: <see cref="MaxDegreeOfParallelism"/>, or the core count for -1.</summary>
    internal static int Threads => maxDegree == -1 ? Environment.ProcessorCount : maxDegree;

    /// <summary>Ceiling division for tile counts.</summary>
    internal static int Blocks(int length, int block) => (length + block - 1) / block;

    /// <summary>
    /// Runs <c>body.Run(tile)</c> for every tile in [0, <paramref name="count"/>): the calling thread and up to
    /// <see cref="Threads"/> - 1 parked pool threads (at most one per other core) take tiles in turn. Nothing is
    /// allocated per call (no closures, tasks or options objects). A call made while another kernel runs on the
    /// pool (from another thread) runs its tiles on its own thread: tiles fix the results, only the speed differs.
    /// </summary>
    internal static void For<TLoop>(int count, ref TLoop body) where TLoop : struct, ITileLoop
    {
        int helpers = Math.Min(Math.Min(Threads, count), Environment.ProcessorCount) - 1;
        if (helpers <= 0 || Interlocked.CompareExchange(ref busy, 1, 0) != 0)
        {
            for (int tile = 0; tile < count; tile++)
                body.Run(tile);
            return;
        }
        try
        {
            EnsureWorkers(helpers);
            job = new Job((nint)Unsafe.AsPointer(ref body), &RunTile<TLoop>, count);
            next = 0;
            failure = null;
            running = helpers;
            finished.Reset();
            start.Release(helpers);
            Work();
            finished.Wait();
            failure?.Throw();
        }
        finally
        {
            job = default;
            Volatile.Write(ref busy, 0);
        }
    }

    private static void RunTile<TLoop>(nint body, int tile) where TLoop : struct, ITileLoop =>
        Unsafe.AsRef<TLoop>((void*)body).Run(tile);

    /// <summary>The loop being run: the caller's body (on its stack, alive until every helper has finished), how to call it, its tile count.</summary>
    private readonly struct Job(nint body, delegate*<nint, int, void> runTile, int count)
    {
        public readonly nint Body = body;
        public readonly delegate*<nint, int, void> RunTile = runTile;
        public readonly int Count = count;
    }

    private static int busy;
    private static Job job;
    private static int next;
    private static int running;
    private static ExceptionDispatchInfo? failure;
    private static readonly SemaphoreSlim start = new(0);
    private static readonly ManualResetEventSlim finished = new(false);
    private static readonly object workersGate = new();
    private static int workers;

    /// <summary>Takes tiles until none is left; the first exception stops the loop and is rethrown on the caller.</summary>
    private static void Work()
    {
        var current = job;
        for (int tile = Interlocked.Increment(ref next) - 1; tile < current.Count; tile = Interlocked.Increment(ref next) - 1)
        {
            try
            {
                current.RunTile(current.Body, tile);
            }
            catch (Exception e)
            {
                Interlocked.CompareExchange(ref failure, ExceptionDispatchInfo.Capture(e), null);
                Volatile.Write(ref next, current.Count);
            }
        }
    }

    private static void EnsureWorkers(int count)
    {
        if (Volatile.Read(ref workers) >= count)
            return;
        lock (workersGate)
        {
            for (; workers < count; workers++)
                new Thread(Helper) { IsBackground = true, Name = "Ddf CPU kernels" }.Start();
        }
    }

    private static void Helper()
    {
        while (true)
        {
            start.Wait();
            Work();
            if (Interlocked.Decrement(ref running) == 0)
                finished.Set();
        }
    }
}
