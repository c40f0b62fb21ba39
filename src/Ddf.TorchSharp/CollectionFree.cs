using System;
using System.Runtime;
using System.Threading;

namespace Ddf;

/// <summary>
/// Runs TorchSharp code (a training step: forward, backward, optimizer step) during which no garbage collection can
/// start, using the runtime's no-GC region. TorchSharp 0.107 frees a <see cref="TorchSharp.Scalar"/> in its finalizer
/// and hands libtorch only its handle; its own modules and optimizers create such temporaries (BatchNorm's
/// <c>num_batches_tracked.add_(1)</c>, Adam's <c>mul_</c>/<c>add_</c>/<c>addcdiv_</c> with double arguments) and keep
/// nothing alive while libtorch reads them. A collection that any other thread starts meanwhile (the finalizer thread
/// running finalizers that allocate, a thread pool, a display) lets the finalizer free one mid-call: "Unknown scalar
/// type." and similar. Inside <see cref="Run"/> no collection starts, so the finalizer only ever frees objects of
/// earlier steps, whose native calls have returned (README, "TorchSharp and the garbage collector").
/// </summary>
/// <remarks>
/// Each outermost call starts with one full blocking collection (what <see cref="GC.TryStartNoGCRegion(long)"/> does)
/// and ends the region afterwards, so garbage, and the native memory of undisposed tensors, never outlives a step by
/// more than one step. Calls nest and may come from several threads; the region lasts while any is running.
/// </remarks>
public static class CollectionFree
{
    private static readonly object Gate = new();
    private static long budgetBytes = 64L << 20;
    private static int running;
    private static bool ownsRegion;
    private static long lapsed;

    /// <summary>
    /// Managed bytes all threads together may allocate while steps run before the runtime collects anyway (the step
    /// then loses the guarantee and <see cref="Lapsed"/> counts it). Default 64 MiB; at most what the runtime allows
    /// for a no-GC region (<see cref="Run"/> throws an InvalidOperationException naming this property otherwise).
    /// </summary>
    public static long BudgetBytes
    {
        get => Interlocked.Read(ref budgetBytes);
        set
        {
            if (value < 1 << 20)
                throw new ArgumentOutOfRangeException(nameof(value), value, $"{nameof(BudgetBytes)} must be at least 1 MiB (1048576 bytes), got {value}.");
            Interlocked.Exchange(ref budgetBytes, value);
        }
    }

    /// <summary>
    /// Outermost runs that went without the guarantee: they allocated past <see cref="BudgetBytes"/>, something forced a
    /// collection (<c>GC.Collect</c>), or the runtime could not reserve the budget. 0 in a healthy training loop.
    /// </summary>
    public static long Lapsed => Interlocked.Read(ref lapsed);

    /// <summary>Runs <paramref name="step"/> with no garbage collection starting until it returns.</summary>
    public static void Run(Action step)
    {
        ArgumentNullException.ThrowIfNull(step);
        Enter();
        try
        {
            step();
        }
        finally
        {
            Exit();
        }
    }

    /// <summary>Runs <paramref name="step"/> with no garbage collection starting until it returns, and returns its result.</summary>
    public static T Run<T>(Func<T> step)
    {
        ArgumentNullException.ThrowIfNull(step);
        Enter();
        try
        {
            return step();
        }
        finally
        {
            Exit();
        }
    }

    private static void Enter()
    {
        lock (Gate)
        {
            if (running++ > 0)
                return;
            // A region the caller opened itself is left to the caller.
            ownsRegion = GCSettings.LatencyMode != GCLatencyMode.NoGCRegion;
            if (!ownsRegion)
                return;
            long budget = BudgetBytes;
            try
            {
                ownsRegion = GC.TryStartNoGCRegion(budget);
            }
            catch (ArgumentOutOfRangeException e)
            {
                running--;
                ownsRegion = false;
                throw new InvalidOperationException(
                    $"{nameof(CollectionFree)}.{nameof(BudgetBytes)} = {budget} bytes is more than this runtime allows for a no-GC region; lower it.", e);
            }
            if (!ownsRegion)
                Interlocked.Increment(ref lapsed);
        }
    }

    private static void Exit()
    {
        lock (Gate)
        {
            if (--running > 0 || !ownsRegion)
                return;
            ownsRegion = false;
            if (GCSettings.LatencyMode != GCLatencyMode.NoGCRegion)
            {
                Interlocked.Increment(ref lapsed);
                return;
            }
            try
            {
                GC.EndNoGCRegion();
            }
            catch (InvalidOperationException)
            {
                // A collection ran inside the region after all (it was induced, or the budget was exceeded).
                Interlocked.Increment(ref lapsed);
            }
        }
    }
}
