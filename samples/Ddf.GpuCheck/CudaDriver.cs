using System;
using System.Runtime.InteropServices;

namespace Ddf.GpuCheck;

/// <summary>
/// Device memory allocated the way libtorch allocates it: through the CUDA driver in the device's primary
/// context, outside ILGPU. Used to check that DDF kernels run on such memory without a copy.
/// </summary>
internal sealed class ForeignDeviceBuffer : IDisposable
{
    private const string Cuda = "libcuda.so.1";

    public ForeignDeviceBuffer(float[] values)
    {
        Length = values.Length;
        Check(cuMemAlloc_v2(out var pointer, (nuint)(values.Length * sizeof(float))), "cuMemAlloc");
        Pointer = pointer;
        Check(cuMemcpyHtoD_v2(Pointer, values, (nuint)(values.Length * sizeof(float))), "cuMemcpyHtoD");
    }

    public IntPtr Pointer { get; }

    public long Length { get; }

    public float[] Read()
    {
        var values = new float[Length];
        Check(cuMemcpyDtoH_v2(values, Pointer, (nuint)(values.Length * sizeof(float))), "cuMemcpyDtoH");
        return values;
    }

    public void Dispose() => cuMemFree_v2(Pointer);

    private static void Check(int result, string call)
    {
        if (result != 0)
            throw new InvalidOperationException($"{call} failed with CUDA error {result}.");
    }

    [DllImport(Cuda)] private static extern int cuMemAlloc_v2(out IntPtr pointer, nuint bytes);
    [DllImport(Cuda)] private static extern int cuMemFree_v2(IntPtr pointer);
    [DllImport(Cuda)] private static extern int cuMemcpyHtoD_v2(IntPtr destination, float[] source, nuint bytes);
    [DllImport(Cuda)] private static extern int cuMemcpyDtoH_v2(float[] destination, IntPtr source, nuint bytes);
}

/// <summary>What the GPU check reads of the CUDA driver's context state, to check DdfCudaDevices' context handling.</summary>
internal static class CudaContextProbe
{
    private const string Cuda = "libcuda.so.1";

    /// <summary>CU_POINTER_ATTRIBUTE_CONTEXT.</summary>
    private const int PointerAttributeContext = 1;

    /// <summary>The calling thread's current context (zero: none).</summary>
    public static IntPtr Current()
    {
        Check(cuCtxGetCurrent(out var context), "cuCtxGetCurrent");
        return context;
    }

    /// <summary>Device <paramref name="ordinal"/>'s primary context (retained and released again: it stays alive while DdfCudaDevices holds it).</summary>
    public static IntPtr Primary(int ordinal)
    {
        Check(cuDeviceGet(out int device, ordinal), "cuDeviceGet");
        Check(cuDevicePrimaryCtxRetain(out var context, device), "cuDevicePrimaryCtxRetain");
        Check(cuDevicePrimaryCtxRelease_v2(device), "cuDevicePrimaryCtxRelease");
        return context;
    }

    /// <summary>The context device memory at <paramref name="pointer"/> was allocated in.</summary>
    public static IntPtr ContextOf(IntPtr pointer)
    {
        Check(cuPointerGetAttribute(out var context, PointerAttributeContext, pointer), "cuPointerGetAttribute");
        return context;
    }

    private static void Check(int result, string call)
    {
        if (result != 0)
            throw new InvalidOperationException($"{call} failed with CUDA error {result}.");
    }

    [DllImport(Cuda)] private static extern int cuCtxGetCurrent(out IntPtr context);
    [DllImport(Cuda)] private static extern int cuDeviceGet(out int device, int ordinal);
    [DllImport(Cuda)] private static extern int cuDevicePrimaryCtxRetain(out IntPtr context, int device);
    [DllImport(Cuda)] private static extern int cuDevicePrimaryCtxRelease_v2(int device);
    [DllImport(Cuda)] private static extern int cuPointerGetAttribute(out IntPtr data, int attribute, IntPtr pointer);
}
