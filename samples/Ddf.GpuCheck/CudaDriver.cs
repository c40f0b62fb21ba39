using System;
using System.Runtime.InteropServices;

namespace Ddf.GpuCheck;

/// <summary>The CUDA driver calls the check makes itself, outside ILGPU and Ddf.Runtime, to check what they do.</summary>
internal static class CudaDriver
{
    private const string Cuda = "libcuda.so.1";

    public static void Check(int result, string call)
    {
        if (result != 0)
            throw new InvalidOperationException($"{call} failed with CUDA error {result}.");
    }

    [DllImport(Cuda)] public static extern int cuCtxGetCurrent(out IntPtr context);
    [DllImport(Cuda)] public static extern int cuCtxPushCurrent_v2(IntPtr context);
    [DllImport(Cuda)] public static extern int cuCtxPopCurrent_v2(out IntPtr context);
    [DllImport(Cuda)] public static extern int cuDeviceGet(out int device, int ordinal);
    [DllImport(Cuda)] public static extern int cuDevicePrimaryCtxRetain(out IntPtr context, int device);
    [DllImport(Cuda)] public static extern int cuDevicePrimaryCtxRelease_v2(int device);
    [DllImport(Cuda)] public static extern int cuPointerGetAttribute(out IntPtr data, int attribute, IntPtr pointer);
    [DllImport(Cuda)] public static extern int cuMemAlloc_v2(out IntPtr pointer, nuint bytes);
    [DllImport(Cuda)] public static extern int cuMemFree_v2(IntPtr pointer);
    [DllImport(Cuda)] public static extern int cuMemsetD32_v2(IntPtr pointer, uint value, nuint count);
    [DllImport(Cuda)] public static extern int cuMemcpyHtoD_v2(IntPtr destination, float[] source, nuint bytes);
    [DllImport(Cuda)] public static extern int cuMemcpyDtoH_v2(float[] destination, IntPtr source, nuint bytes);
    [DllImport(Cuda)] public static extern int cuFuncGetAttribute(out int value, int attribute, IntPtr function);
    [DllImport(Cuda)] public static extern int cuOccupancyMaxActiveBlocksPerMultiprocessor(out int blocks, IntPtr function, int blockSize, nuint dynamicSharedBytes);
}

/// <summary>
/// A device's primary context retained the way libtorch (the CUDA runtime) holds it: cuDevicePrimaryCtxRetain, released on
/// dispose. <see cref="MakeCurrent"/> pushes it on the calling thread, as the runtime does before it allocates.
/// </summary>
internal sealed class PrimaryContext : IDisposable
{
    private readonly int device;

    public PrimaryContext(int ordinal)
    {
        CudaDriver.Check(CudaDriver.cuDeviceGet(out device, ordinal), "cuDeviceGet");
        CudaDriver.Check(CudaDriver.cuDevicePrimaryCtxRetain(out var context, device), "cuDevicePrimaryCtxRetain");
        Handle = context;
    }

    public IntPtr Handle { get; }

    /// <summary>Pushes the primary context (checked current), until the scope is disposed: it pops it and checks the previous one is back.</summary>
    public CurrentScope MakeCurrent()
    {
        var previous = CudaContextProbe.Current();
        CudaDriver.Check(CudaDriver.cuCtxPushCurrent_v2(Handle), "cuCtxPushCurrent");
        if (CudaContextProbe.Current() != Handle)
            throw new InvalidOperationException("cuCtxPushCurrent succeeded but the primary context is not current.");
        return new CurrentScope(Handle, previous);
    }

    public void Dispose() => CudaDriver.Check(CudaDriver.cuDevicePrimaryCtxRelease_v2(device), "cuDevicePrimaryCtxRelease");

    internal readonly struct CurrentScope(IntPtr context, IntPtr previous) : IDisposable
    {
        public void Dispose()
        {
            CudaDriver.Check(CudaDriver.cuCtxPopCurrent_v2(out var popped), "cuCtxPopCurrent");
            if (popped != context || CudaContextProbe.Current() != previous)
                throw new InvalidOperationException("Popping the primary context did not restore the thread's previous context.");
        }
    }
}

/// <summary>
/// Float32 device memory allocated the way libtorch allocates it: cuMemAlloc in the context current on the calling thread
/// (the primary one, see <see cref="PrimaryContext.MakeCurrent"/>), outside ILGPU. Allocate, read and free it with a
/// context of the device current.
/// </summary>
internal sealed class ForeignDeviceBuffer : IDisposable
{
    private ForeignDeviceBuffer(long length)
    {
        Length = length;
        CudaDriver.Check(CudaDriver.cuMemAlloc_v2(out var pointer, Bytes), "cuMemAlloc");
        Pointer = pointer;
    }

    /// <summary>A copy of <paramref name="values"/>.</summary>
    public static ForeignDeviceBuffer Upload(float[] values)
    {
        var buffer = new ForeignDeviceBuffer(values.Length);
        CudaDriver.Check(CudaDriver.cuMemcpyHtoD_v2(buffer.Pointer, values, buffer.Bytes), "cuMemcpyHtoD");
        return buffer;
    }

    /// <summary><paramref name="length"/> zeros: an output or gradient for the kernels to write.</summary>
    public static ForeignDeviceBuffer Zeros(long length)
    {
        var buffer = new ForeignDeviceBuffer(length);
        CudaDriver.Check(CudaDriver.cuMemsetD32_v2(buffer.Pointer, 0, (nuint)length), "cuMemsetD32");
        return buffer;
    }

    public IntPtr Pointer { get; }

    public long Length { get; }

    private nuint Bytes => (nuint)(Length * sizeof(float));

    public float[] Read()
    {
        var values = new float[Length];
        CudaDriver.Check(CudaDriver.cuMemcpyDtoH_v2(values, Pointer, Bytes), "cuMemcpyDtoH");
        return values;
    }

    public void Dispose() => CudaDriver.Check(CudaDriver.cuMemFree_v2(Pointer), "cuMemFree");
}

/// <summary>What the check reads of the CUDA driver's context state, to check DdfCudaDevices' context handling.</summary>
internal static class CudaContextProbe
{
    /// <summary>CU_POINTER_ATTRIBUTE_CONTEXT.</summary>
    private const int PointerAttributeContext = 1;

    /// <summary>The calling thread's current context (zero: none).</summary>
    public static IntPtr Current()
    {
        CudaDriver.Check(CudaDriver.cuCtxGetCurrent(out var context), "cuCtxGetCurrent");
        return context;
    }

    /// <summary>The context device memory at <paramref name="pointer"/> was allocated in.</summary>
    public static IntPtr ContextOf(IntPtr pointer)
    {
        CudaDriver.Check(CudaDriver.cuPointerGetAttribute(out var context, PointerAttributeContext, pointer), "cuPointerGetAttribute");
        return context;
    }
}

/// <summary>What the driver's JIT made of one loaded kernel (a CUfunction), and how many of its blocks fit a multiprocessor.</summary>
internal sealed record CudaFunctionInfo(int Registers, int LocalBytes, int SharedBytes, int MaxThreadsPerBlock, int BlocksPerMultiprocessor)
{
    // CUfunction_attribute values.
    private const int MaxThreadsPerBlockAttribute = 0, SharedSizeBytes = 1, LocalSizeBytes = 3, NumRegs = 4;

    /// <summary>Reads <paramref name="function"/>'s attributes and its occupancy at <paramref name="blockSize"/> threads per block (no dynamic shared memory).</summary>
    public static CudaFunctionInfo Of(IntPtr function, int blockSize)
    {
        int Attribute(int attribute, string name)
        {
            CudaDriver.Check(CudaDriver.cuFuncGetAttribute(out int value, attribute, function), $"cuFuncGetAttribute({name})");
            return value;
        }
        CudaDriver.Check(CudaDriver.cuOccupancyMaxActiveBlocksPerMultiprocessor(out int blocks, function, blockSize, 0), "cuOccupancyMaxActiveBlocksPerMultiprocessor");
        return new(Attribute(NumRegs, "NUM_REGS"), Attribute(LocalSizeBytes, "LOCAL_SIZE_BYTES"), Attribute(SharedSizeBytes, "SHARED_SIZE_BYTES"),
            Attribute(MaxThreadsPerBlockAttribute, "MAX_THREADS_PER_BLOCK"), blocks);
    }
}
