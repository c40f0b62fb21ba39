using System;
using Xunit;
using static TorchSharp.torch;

namespace Ddf.TorchSharp.Tests;

/// <summary>
/// Outputs and gradients live in memory the library reuses once their tensor is freed, so a loop of plain calls runs
/// on touched pages. Each test uses a shape of its own: parallel tests share the pool but never a block size.
/// </summary>
[Collection(nameof(ProcessWideMemory))]
public class ReusedTensorMemoryTests
{
    private static IntPtr Data(Tensor t) => t.storage<double>().data_ptr();

    /// <summary>Other tests' tensors, finalized late, must not have filled the pool with blocks of their sizes.</summary>
    public ReusedTensorMemoryTests()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        ReusedTensorMemory.FreeKept();
    }

    [Fact]
    public void A_loop_of_plain_calls_writes_every_output_into_the_memory_of_the_one_it_dropped()
    {
        var ddfCase = DdfCases.Make(3, 5, 37, 41, 3, 1, 1, KernelCombine.Mul, true, true);
        var (x, cf, sf) = ddfCase.Inputs();
        using var noGrad = no_grad();
        IntPtr first;
        using (NewDisposeScope())
            first = Data(ops.ddf(x, cf, sf, 3));
        for (int call = 0; call < 3; call++)
        {
            using var scope = NewDisposeScope();
            // A tensor of the same size that libtorch allocates first: glibc alone would give it the dropped output's memory.
            var other = empty([3, 5, 37, 41], ScalarType.Float64);
            var y = ops.ddf(x, cf, sf, 3);
            Assert.Equal(first, Data(y));
            Assert.NotEqual(first, Data(other));
            AssertClose.Tensors(ddfCase.Reference(x, cf, sf), y, 1e-12, 1e-12);
        }
    }

    [Fact]
    public void Outputs_alive_at_once_have_memory_of_their_own()
    {
        var ddfCase = DdfCases.Make(2, 3, 29, 31, 5, 1, 1, KernelCombine.Add, true, true);
        var (x, cf, sf) = ddfCase.Inputs();
        using var noGrad = no_grad();
        var a = ops.ddf(x, cf, sf, 5, combine: KernelCombine.Add);
        var b = ops.ddf(x * 2, cf, sf, 5, combine: KernelCombine.Add);
        Assert.NotEqual(Data(a), Data(b));
        AssertClose.Tensors(ddfCase.Reference(x, cf, sf), a, 1e-12, 1e-12);
        AssertClose.Tensors(ddfCase.Reference(x * 2, cf, sf), b, 1e-12, 1e-12);
    }

    [Fact]
    public void Gradients_reuse_the_memory_of_the_gradients_dropped_before()
    {
        var ddfCase = DdfCases.Make(1, 7, 23, 19, 3, 1, 1, KernelCombine.Mul, true, true);
        var (x0, cf0, sf0) = ddfCase.Inputs();
        IntPtr? previous = null;
        for (int step = 0; step < 3; step++)
        {
            using var scope = NewDisposeScope();
            var x = x0.detach().requires_grad_(true);
            var grad = autograd.grad([ops.ddf(x, cf0, sf0, 3).sum()], [x])[0];
            if (previous is not null)
                Assert.Equal(previous, Data(grad));
            previous = Data(grad);
        }
    }
}

/// <summary>The pool's bounds, alone: no other test may take or keep blocks meanwhile.</summary>
[CollectionDefinition(nameof(ReusedTensorMemoryBoundTests), DisableParallelization = true)]
public class ReusedTensorMemoryBoundCollection;

[Collection(nameof(ReusedTensorMemoryBoundTests))]
public class ReusedTensorMemoryBoundTests
{
    [Fact]
    public void Keeps_at_most_its_bound_of_free_blocks_and_frees_the_rest()
    {
        var ddfCase = DdfCases.Make(1, 2, 17, 43, 3, 1, 1, KernelCombine.Mul, true, true);
        var (x, cf, sf) = ddfCase.Inputs();
        using var noGrad = no_grad();
        int count = ReusedTensorMemory.MaxKeptBlocks + 3;
        using (NewDisposeScope())
        {
            for (int i = 0; i < count; i++)
                ops.ddf(x, cf, sf, 3);
        }
        var (blocks, bytes) = ReusedTensorMemory.KeptNow;
        Assert.Equal(ReusedTensorMemory.MaxKeptBlocks, blocks);
        Assert.InRange(bytes, 1, ReusedTensorMemory.MaxKeptBytes);
    }
}
