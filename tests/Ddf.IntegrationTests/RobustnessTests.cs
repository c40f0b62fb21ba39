using System;
using System.Diagnostics;
using System.Linq;
using System.Threading.Tasks;
using Xunit;
using static TorchSharp.torch;

namespace Ddf.IntegrationTests;

/// <summary>Tests that measure the process (memory, threads): they run alone, after the parallel ones.</summary>
[CollectionDefinition("process-wide", DisableParallelization = true)]
public sealed class ProcessWideCollection;

/// <summary>Behaviour under bad values, concurrency, long runs and misuse.</summary>
[Collection("process-wide")]
public class RobustnessTests
{
    [Fact]
    public void NaN_and_infinity_in_the_input_propagate_without_a_crash()
    {
        var x = randn(1, 3, 7, 20);
        x[0, 1, 3, 10] = float.NaN;
        x[0, 2, 0, 0] = float.PositiveInfinity;
        var cf = randn(1, 3, 3, 3);
        var sf = randn(1, 9, 7, 20);

        var y = ops.ddf(x, cf, sf, 3);

        // NaN spreads to exactly the outputs whose taps read it; the other channels stay finite.
        Assert.True(y[0, 1, 3, 10].isnan().item<bool>());
        Assert.Equal(9, y[0, 1].isnan().sum().item<long>());
        Assert.False(y[0, 0].isnan().any().item<bool>());
        Assert.True((y[0, 2].isinf() | y[0, 2].isnan()).any().item<bool>());
        Assert.True(y[0, 0].isfinite().all().item<bool>());
    }

    [Fact]
    public void Eight_threads_calling_one_layer_get_the_sequential_results()
    {
        manual_seed(4);
        var layer = new DefaultDdf(16);
        layer.eval();
        var inputs = Enumerable.Range(0, 8).Select(i => randn([2, 16, 13, 29], generator: new Generator((ulong)i + 1))).ToArray();
        Tensor[] sequential;
        using (no_grad())
            sequential = inputs.Select(x => layer.forward(x)).ToArray();

        var concurrent = new Tensor[8];
        Parallel.For(0, 8, new ParallelOptions { MaxDegreeOfParallelism = 8 }, i =>
        {
            using (no_grad())
                concurrent[i] = layer.forward(inputs[i]);
        });

        for (int i = 0; i < 8; i++)
            AssertClose.Bitwise(sequential[i], concurrent[i], $"thread {i}");
    }

    [Fact]
    public void Forward_and_backward_under_dispose_scopes_keep_native_memory_flat()
    {
        var layer = new DefaultDdf(16);
        var x = randn(2, 16, 24, 40);
        void Iterations(int count)
        {
            for (int i = 0; i < count; i++)
            {
                using var scope = NewDisposeScope();
                layer.forward(x.detach().requires_grad_(true)).sum().backward();
                layer.zero_grad();
            }
        }
        Iterations(300);   // warm-up: allocator pools, JIT tiers, autograd caches
        long before = Rss(), tensors = Tensor.TotalCount;
        Iterations(400);
        long after = Rss();
        Assert.Equal(tensors, Tensor.TotalCount);
        Assert.True(after < before * 1.05, $"resident memory grew from {before >> 20} MB to {after >> 20} MB");
    }

    [Fact]
    public void A_disposed_input_is_a_managed_error_not_a_crash()
    {
        var layer = new DefaultDdf(4);
        var x = randn(1, 4, 6, 6);
        x.Dispose();
        var error = Record.Exception(() => layer.forward(x));
        Assert.NotNull(error);
        Assert.IsAssignableFrom<InvalidOperationException>(error);
    }

    [Fact]
    public void A_filter_disposed_between_forward_and_backward_is_a_managed_error()
    {
        var x = randn(1, 2, 5, 5).requires_grad_(true);
        var cf = randn(1, 2, 3, 3);
        var sf = randn(1, 9, 5, 5);
        var y = ops.ddf(x, cf, sf, 3);
        cf.Dispose();
        // The autograd graph saved its own reference: backward still works and is right.
        y.sum().backward();
        Assert.True(x.grad!.isfinite().all().item<bool>());
    }

    private static long Rss()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        using var process = Process.GetCurrentProcess();
        process.Refresh();
        return process.WorkingSet64;
    }
}
