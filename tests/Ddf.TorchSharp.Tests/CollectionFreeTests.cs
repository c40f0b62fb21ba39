using System;
using System.Runtime;
using System.Threading;
using Xunit;
using static TorchSharp.torch;

namespace Ddf.TorchSharp.Tests;

/// <summary>
/// Tests of process-wide memory state run alone: a no-GC region counts every thread's allocations, and the full
/// collection that starts one finalizes other tests' tensors into the reused-memory pool.
/// </summary>
[CollectionDefinition(nameof(ProcessWideMemory), DisableParallelization = true)]
public sealed class ProcessWideMemory;

/// <summary>
/// <see cref="CollectionFree"/> keeps every collection out of a step, also one another thread would start, and says
/// when a step outgrew it.
/// </summary>
[Collection(nameof(ProcessWideMemory))]
public class CollectionFreeTests
{
    [Fact]
    public void No_collection_starts_inside_a_step_though_it_and_another_thread_allocate()
    {
        long lapsed = CollectionFree.Lapsed;
        int collections = -1;
        var keep = new object[1024];
        CollectionFree.Run(() =>
        {
            Assert.Equal(GCLatencyMode.NoGCRegion, GCSettings.LatencyMode);
            collections = GC.CollectionCount(0);
            // 16 MB here and 16 MB on another thread: plenty of collections outside a region (gen0 budgets are a few MB).
            var other = new Thread(() =>
            {
                for (int i = 0; i < 16 * 1024; i++)
                    keep[i % keep.Length] = new byte[1000];
            });
            other.Start();
            for (int i = 0; i < 16 * 1024; i++)
                keep[i % keep.Length] = new byte[1000];
            other.Join();
            Assert.Equal(collections, GC.CollectionCount(0));
        });
        Assert.NotEqual(GCLatencyMode.NoGCRegion, GCSettings.LatencyMode);
        Assert.Equal(lapsed, CollectionFree.Lapsed);
    }

    [Fact]
    public void A_step_returns_its_result_and_nested_steps_share_the_outer_region()
    {
        long lapsed = CollectionFree.Lapsed;
        var value = CollectionFree.Run(() =>
        {
            using var scope = NewDisposeScope();
            var inner = CollectionFree.Run(() => ones(3, 4).sum().item<float>());
            Assert.Equal(GCLatencyMode.NoGCRegion, GCSettings.LatencyMode);
            return inner * 2;
        });
        Assert.Equal(24f, value);
        Assert.NotEqual(GCLatencyMode.NoGCRegion, GCSettings.LatencyMode);
        Assert.Equal(lapsed, CollectionFree.Lapsed);
    }

    [Fact]
    public void A_step_that_allocates_past_the_budget_is_counted_and_leaves_no_region_behind()
    {
        long budget = CollectionFree.BudgetBytes, lapsed = CollectionFree.Lapsed;
        try
        {
            CollectionFree.BudgetBytes = 1 << 20;
            var keep = new object[64];
            CollectionFree.Run(() =>
            {
                for (int i = 0; i < 8 * 1024; i++)
                    keep[i % keep.Length] = new byte[1000];
            });
            Assert.Equal(lapsed + 1, CollectionFree.Lapsed);
            Assert.NotEqual(GCLatencyMode.NoGCRegion, GCSettings.LatencyMode);
        }
        finally
        {
            CollectionFree.BudgetBytes = budget;
        }
    }

    [Fact]
    public void A_step_that_throws_ends_the_region_and_the_exception_reaches_the_caller()
    {
        var error = Assert.Throws<InvalidOperationException>(() => CollectionFree.Run(() => throw new InvalidOperationException("step failed")));
        Assert.Equal("step failed", error.Message);
        Assert.NotEqual(GCLatencyMode.NoGCRegion, GCSettings.LatencyMode);
    }

    [Fact]
    public void A_budget_under_one_mebibyte_is_refused_with_its_value()
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => CollectionFree.BudgetBytes = 4096);
        Assert.Contains("BudgetBytes must be at least 1 MiB", error.Message);
        Assert.Contains("4096", error.Message);
    }
}
