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
