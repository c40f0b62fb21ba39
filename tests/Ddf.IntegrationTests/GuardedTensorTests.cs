using System;
using System.Linq;
using System.Numerics;
using System.Reflection;
using System.Runtime.InteropServices;
using Ddf.Runtime;
using Ddf.KernelChecks;
using Xunit;
using static TorchSharp.torch;

namespace Ddf.IntegrationTests;

/// <summary>
/// The tensor-level paths into the raw-pointer CPU kernels on tensors whose memory sits against a PROT_NONE guard page
/// (after its end, then before its start): <c>ops.ddf(..., out:)</c> (generic and the library's own generated kernels),
/// <c>DdfTensors.Backward</c>, DDF-Up layers (their generated kernels via <c>filter</c> and the whole forward, whose
/// grouped input is a view of the guarded memory) and the fused spatial FilterNorm. An out-of-bounds access faults and
/// ends the test host (the run fails loudly); the kernel-level sweep with per-case reports is tests/Ddf.Runtime.Tests.
/// Results must equal the same calls on ordinary tensors bit for bit.
/// </summary>
public class GuardedTensorTests
{
    public static TheoryData<int, int, int, KernelCombine, bool, bool> OutCases()
    {
        var cases = new TheoryData<int, int, int, KernelCombine, bool, bool>();
        // The library's own specialised kernels (CommonSpecs), then generic ones: k = 1, 7, 9, dilation, stride 3, one branch.
        cases.Add(3, 1, 1, KernelCombine.Mul, true, true);
        cases.Add(3, 1, 1, KernelCombine.Add, true, true);
        cases.Add(3, 1, 2, KernelCombine.Mul, true, true);
        cases.Add(3, 1, 2, KernelCombine.Add, true, true);
        cases.Add(5, 1, 1, KernelCombine.Mul, true, true);
        cases.Add(5, 1, 1, KernelCombine.Add, true, true);
        cases.Add(1, 1, 1, KernelCombine.Mul, true, true);
        cases.Add(7, 2, 3, KernelCombine.Add, true, true);
        cases.Add(9, 3, 1, KernelCombine.Mul, true, true);
        cases.Add(3, 2, 1, KernelCombine.Mul, false, true);
        cases.Add(5, 1, 2, KernelCombine.Mul, true, false);
        return cases;
    }

    [Theory]
    [MemberData(nameof(OutCases))]
    public void The_out_overload_and_the_backward_stay_inside_guarded_tensors(int k, int d, int s, KernelCombine combine, bool hasCf, bool hasSf)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        foreach (var dtype in new[] { ScalarType.Float32, ScalarType.Float64 })
        {
            int vw = dtype == ScalarType.Float32 ? Vector<float>.Count : Vector<double>.Count, pad = d * (k - 1) / 2;
            foreach (int w in new[] { 1, vw, 2 * vw + 3, 2 * pad + 2 * vw + 1, 2 * pad + 4 * vw + 1 })
                foreach (var side in new[] { GuardSide.After, GuardSide.Before })
                {
                    int b = 3, c = 17, h = 5, ho = (h - 1) / s + 1, wo = (w - 1) / s + 1;
                    var x = randn([b, c, h, w], dtype);
                    var cf = hasCf ? randn([b, c, k, k], dtype) : null;
                    var sf = hasSf ? randn([b, k * k, ho, wo], dtype) : null;
                    var gy = randn([b, c, ho, wo], dtype);
                    using var gx = GuardedTensor.Copy(x, side);
                    using var gcf = cf is null ? null : GuardedTensor.Copy(cf, side);
                    using var gsf = sf is null ? null : GuardedTensor.Copy(sf, side);
                    using var ggy = GuardedTensor.Copy(gy, side);
                    using var target = GuardedTensor.Filled([b, c, ho, wo], dtype, side);

                    ops.ddf(gx.Tensor, gcf?.Tensor, gsf?.Tensor, k, @out: target.Tensor, dilation: d, stride: s, combine: combine);
                    AssertClose.Bitwise(ops.ddf(x, cf, sf, k, d, s, combine), target.Tensor, $"out: on guarded tensors, W = {w}, guard {side}");

                    var g = DdfTensors.Validate(x, cf, sf, k, d, s, combine);
                    var kernels = DdfCpuKernelSet.Generic(hasCf, hasSf, combine);
                    var guarded = DdfTensors.Backward(gx.Tensor, gcf?.Tensor, gsf?.Tensor, ggy.Tensor, g, kernels, true, hasCf, hasSf);
                    var plain = DdfTensors.Backward(x, cf, sf, gy, g, kernels, true, hasCf, hasSf);
                    AssertClose.Bitwise(plain.Input!, guarded.Input!, "input gradient");
                    if (hasCf)
                        AssertClose.Bitwise(plain.ChannelFilter!, guarded.ChannelFilter!, "channel-filter gradient");
                    if (hasSf)
                        AssertClose.Bitwise(plain.SpatialFilter!, guarded.SpatialFilter!, "spatial-filter gradient");
                    gx.CheckSlack();
                    gcf?.CheckSlack();
                    gsf?.CheckSlack();
                    ggy.CheckSlack();
                    target.CheckSlack();
                }
        }
    }

    [Theory]
    [InlineData(nameof(SelfUp2))]
    [InlineData(nameof(SelfUp4))]
    public void DDF_Up_layers_stay_inside_a_guarded_input(string name)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var up = UpLayerTests.Get(name);
        int heads = up.Spec.Heads, k = up.Spec.K, c = 6;
        var layer = up.Create(c, 0, ScalarType.Float32);
        foreach (int w in new[] { 1, 3, 2 * Vector<float>.Count + 3, 2 * up.Spec.Dilation * (k - 1) / 2 + 2 * Vector<float>.Count + 1 })
            foreach (var side in new[] { GuardSide.After, GuardSide.Before })
            {
                int b = 3, h = 4;
                // The layer's forward: its grouped input is a view of the guarded memory the generated kernels read.
                var x = randn(b, c, h, w);
                using var gx = GuardedTensor.Copy(x, side);
                AssertClose.Bitwise(up.Run(layer, x, null), up.Run(layer, gx.Tensor, null), $"{name} forward, W = {w}, guard {side}");

                // Its kernels directly on (B * heads, C / heads, H, W) with every tensor guarded: forward and backward.
                var (gb, gc) = (b * heads, c / heads);
                var (xg, cf, sf, gy) = (randn(gb, gc, h, w), randn(gb, gc, k, k), randn(gb, k * k, h, w), randn(gb, gc, h, w));
                using var gxg = GuardedTensor.Copy(xg, side);
                using var gcf = GuardedTensor.Copy(cf, side);
                using var gsf = GuardedTensor.Copy(sf, side);
                using var ggy = GuardedTensor.Copy(gy, side);
                var filter = name == nameof(SelfUp2) ? (Func<Tensor, Tensor, Tensor, Tensor>)SelfUp2.filter : SelfUp4.filter;
                AssertClose.Bitwise(filter(xg, cf, sf), filter(gxg.Tensor, gcf.Tensor, gsf.Tensor), $"{name}.filter");
                var kernels = name == nameof(SelfUp2) ? SelfUp2.CpuKernels.Set : SelfUp4.CpuKernels.Set;
                var g = DdfTensors.Validate(xg, cf, sf, k, up.Spec.Dilation, 1, up.Spec.Combine);
                var plain = DdfTensors.Backward(xg, cf, sf, gy, g, kernels, true, true, true);
                var guarded = DdfTensors.Backward(gxg.Tensor, gcf.Tensor, gsf.Tensor, ggy.Tensor, g, kernels, true, true, true);
                AssertClose.Bitwise(plain.Input!, guarded.Input!, $"{name} input gradient");
                AssertClose.Bitwise(plain.ChannelFilter!, guarded.ChannelFilter!, $"{name} channel-filter gradient");
                AssertClose.Bitwise(plain.SpatialFilter!, guarded.SpatialFilter!, $"{name} spatial-filter gradient");
                foreach (var t in new[] { gx, gxg, gcf, gsf, ggy })
                    t.CheckSlack();
            }
    }

    [Fact]
    public void The_fused_spatial_filter_norm_stays_inside_a_guarded_input()
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        foreach (int k in new[] { 3, 5, 7, 9 })
            foreach (long pixels in new long[] { 1, 7, 19, 4097 })
                foreach (var side in new[] { GuardSide.After, GuardSide.Before })
                {
                    var norm = new FilterNorm(FilterKind.Spatial, 2, k, Math.Sqrt(2));
                    var v = randn(3, 2 * k * k, 1, pixels);
                    using var gv = GuardedTensor.Copy(v, side);
                    AssertClose.Bitwise(norm.forward(v), norm.forward(gv.Tensor), $"FilterNorm k = {k}, {pixels} pixels, guard {side}");
                    gv.CheckSlack();
                }
    }
}

/// <summary>
/// A contiguous CPU tensor over a <see cref="GuardedBuffer"/> (no copy: the tensor's storage is the guarded memory). TorchSharp
/// has no public from_blob, so this calls its own binding of the native constructor, THSTensor_new, with a deleter that
/// does nothing: the buffer is unmapped on <see cref="Dispose"/>, after the tensor.
/// </summary>
internal sealed unsafe class GuardedTensor : IDisposable
{
    private static readonly MethodInfo NewTensor = typeof(torch).Assembly.GetType("TorchSharp.PInvoke.NativeMethods", throwOnError: true)!
        .GetMethods(BindingFlags.Static | BindingFlags.Public | BindingFlags.NonPublic).Single(m => m.Name == "THSTensor_new");

    private static readonly MethodInfo WrapHandle = typeof(Tensor).GetMethod("UnsafeCreateTensor", BindingFlags.Static | BindingFlags.Public | BindingFlags.NonPublic)
        ?? throw new MissingMethodException("TorchSharp.torch.Tensor.UnsafeCreateTensor");

    /// <summary>The deleter handed to native code; kept alive for the process.</summary>
    private static readonly Delegate Deleter = Delegate.CreateDelegate(
        NewTensor.GetParameters().Single(p => p.Name == "deleter").ParameterType,
        typeof(GuardedTensor).GetMethod(nameof(KeepMemory), BindingFlags.Static | BindingFlags.NonPublic)!);

    private static void KeepMemory(IntPtr memory)
    {
    }

    [DllImport("LibTorchSharp")]
    private static extern IntPtr THSTensor_data(IntPtr handle);

    private readonly GuardedBuffer buffer;

    private GuardedTensor(long[] shape, ScalarType dtype, GuardSide side)
    {
        long elementSize = dtype == ScalarType.Float32 ? 4 : 8;
        buffer = new GuardedBuffer(Math.Max(1, shape.Aggregate(1L, (a, b) => a * b)) * elementSize, side);
        fixed (long* dims = shape)
        {
            var parameters = NewTensor.GetParameters();
            var args = new object?[parameters.Length];
            for (int i = 0; i < parameters.Length; i++)
            {
                var type = parameters[i].ParameterType;
                args[i] = parameters[i].Name switch
                {
                    "rawArray" => (IntPtr)buffer.Pointer,
                    "deleter" => Deleter,
                    "dimensions" => type == typeof(IntPtr) ? (IntPtr)dims : Pointer.Box(dims, type),
                    "numDimensions" => shape.Length,
                    "type" or "dtype" => Convert.ChangeType((int)dtype, type),
                    "deviceType" => (int)DeviceType.CPU,
                    "deviceIndex" => -1,
                    "requires_grad" => false,
                    var other => throw new NotSupportedException($"THSTensor_new parameter {other} of type {type}"),
                };
            }
            var handle = (IntPtr)NewTensor.Invoke(null, args)!;
            if (handle == IntPtr.Zero)
                CheckForErrors();
            Tensor = (Tensor)WrapHandle.Invoke(null, [handle])!;
        }
        if (THSTensor_data(Tensor.Handle) != (IntPtr)buffer.Pointer)
            throw new InvalidOperationException("the tensor does not use the guarded memory");
    }

    public Tensor Tensor { get; }

    /// <summary>A guarded tensor holding a copy of <paramref name="source"/>.</summary>
    public static GuardedTensor Copy(Tensor source, GuardSide side)
    {
        var guarded = new GuardedTensor(source.shape, source.dtype, side);
        guarded.Tensor.copy_(source);
        return guarded;
    }

    /// <summary>A guarded tensor of NaN.</summary>
    public static GuardedTensor Filled(long[] shape, ScalarType dtype, GuardSide side)
    {
        var guarded = new GuardedTensor(shape, dtype, side);
        guarded.Tensor.fill_(double.NaN);
        return guarded;
    }

    public void CheckSlack() => buffer.CheckSlack("guarded tensor");

    public void Dispose()
    {
        Tensor.Dispose();
        buffer.Dispose();
    }
}
