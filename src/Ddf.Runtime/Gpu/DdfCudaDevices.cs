using System;
using System.Collections.Concurrent;
using System.Reflection;
using System.Runtime.InteropServices;
using ILGPU;
using ILGPU.Runtime;
using ILGPU.Runtime.Cuda;

namespace Ddf.Runtime;

/// <summary>
/// CUDA accelerators for code that does not bring its own (the TorchSharp glue): one per device, created on
/// first use, living for the process, and running in the device's primary CUDA context on the legacy default
/// stream, which is where the CUDA runtime (and so libtorch) allocates and runs by default. Memory from
/// libtorch is then valid in these kernels, and work is ordered with libtorch's default stream.
/// </summary>
public static class DdfCudaDevices
{
    private static readonly Lazy<Context?> SharedContext = new(CreateContext);
    private static readonly ConcurrentDictionary<int, Lazy<CudaAccelerator>> Accelerators = new();

    /// <summary>Number of CUDA devices ILGPU sees (0 without a driver or GPU).</summary>
    public static int Count => SharedContext.Value?.GetCudaDevices().Count ?? 0;

    /// <summary>The accelerator of CUDA device <paramref name="deviceIndex"/> in the device's primary context.</summary>
    public static CudaAccelerator Get(int deviceIndex)
    {
        var context = SharedContext.Value;
        int count = Count;
        if ((uint)deviceIndex >= (uint)count)
            throw new ArgumentOutOfRangeException(nameof(deviceIndex), deviceIndex,
                count == 0 ? "No CUDA device is available (no NVIDIA driver or GPU)." : $"There are {count} CUDA devices.");
        return Accelerators.GetOrAdd(deviceIndex, i => new Lazy<CudaAccelerator>(() => CreateInPrimaryContext(context!, i))).Value;
    }

    private static Context? CreateContext()
    {
        try
        {
            return Context.Create(builder => builder.Cuda());
        }
        catch (Exception e) when (e is DllNotFoundException or TypeInitializationException or CudaException)
        {
            return null;
        }
    }

    /// <summary>
    /// ILGPU creates a private CUDA context per accelerator; memory of another context is not valid in it.
    /// This switches the new accelerator (before any kernel is loaded) to the device's primary context and the
    /// legacy default stream. The accelerator is never disposed: that would destroy the primary context.
    /// </summary>
    private static CudaAccelerator CreateInPrimaryContext(Context context, int deviceIndex)
    {
        var accelerator = context.GetCudaDevice(deviceIndex).CreateCudaAccelerator(context);
        Check(CuDeviceGet(out int device, accelerator.DeviceId), "cuDeviceGet");
        Check(CuDevicePrimaryCtxRetain(out IntPtr primary, device), "cuDevicePrimaryCtxRetain");
        typeof(Accelerator).GetProperty(nameof(Accelerator.NativePtr))!.SetValue(accelerator, primary);
        accelerator.Bind();
        typeof(Accelerator).GetProperty(nameof(Accelerator.DefaultStream))!.SetValue(accelerator, accelerator.CreateStream(IntPtr.Zero, responsible: false));
        return accelerator;
    }

    private static void Check(int result, string call)
    {
        if (result != 0)
            throw new InvalidOperationException($"{call} failed with CUDA error {result}.");
    }

    [DllImport("libcuda.so.1", EntryPoint = "cuDeviceGet")]
    private static extern int CuDeviceGet(out int device, int ordinal);

    [DllImport("libcuda.so.1", EntryPoint = "cuDevicePrimaryCtxRetain")]
    private static extern int CuDevicePrimaryCtxRetain(out IntPtr context, int device);
}
