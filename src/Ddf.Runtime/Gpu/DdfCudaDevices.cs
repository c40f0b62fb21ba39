using System;
using System.Collections.Concurrent;
using ILGPU;
using ILGPU.Runtime;
using ILGPU.Runtime.Cuda;

namespace Ddf.Runtime;

/// <summary>
/// CUDA accelerators for code that does not bring its own (the TorchSharp glue): one per device, created on first use,
/// living for the process, in the device's primary CUDA context (libtorch's: the CUDA runtime's) on the legacy default
/// stream. Every use goes through <see cref="Enter"/>, which makes that context current on the calling thread, whichever
/// thread it is, and restores the thread's previous context afterwards: kernels are loaded, memory is allocated and
/// kernels are launched in the primary context, where libtorch's memory is valid, and ordered with libtorch's default
/// stream. (TorchSharp 0.107 cannot read or set libtorch's current stream, which is therefore the default stream unless
/// native code changes it.) Not verified on a GPU.
/// </summary>
public static class DdfCudaDevices
{
    private static readonly Lazy<Context?> SharedContext = new(CreateContext);
    private static readonly ConcurrentDictionary<int, Lazy<(CudaAccelerator Accelerator, IntPtr Primary)>> Accelerators = new();

    /// <summary>Number of CUDA devices ILGPU sees (0 without a driver or GPU).</summary>
    public static int Count => SharedContext.Value?.GetCudaDevices().Count ?? 0;

    /// <summary>
    /// Makes CUDA device <paramref name="deviceIndex"/>'s primary context current on the calling thread, and its accelerator
    /// ILGPU's current one, until the scope is disposed, which restores both as they were. Load, allocate and launch on
    /// <see cref="DdfCudaScope.Accelerator"/> only inside the scope, on the thread that entered it.
    /// </summary>
    public static DdfCudaScope Enter(int deviceIndex)
    {
        var (accelerator, primary) = Device(deviceIndex);
        return new DdfCudaScope(accelerator, CudaContextSwitch.Enter(CudaDriverApi.Instance, primary, accelerator));
    }

    /// <summary>
    /// The accelerator of CUDA device <paramref name="deviceIndex"/> in the device's primary context. Its calls need that
    /// context current: use it inside <see cref="Enter"/>.
    /// </summary>
    public static CudaAccelerator Get(int deviceIndex) => Device(deviceIndex).Accelerator;

    private static (CudaAccelerator Accelerator, IntPtr Primary) Device(int deviceIndex)
    {
        var context = SharedContext.Value;
        int count = Count;
        if ((uint)deviceIndex >= (uint)count)
            throw new ArgumentOutOfRangeException(nameof(deviceIndex), deviceIndex,
                count == 0 ? "No CUDA device is available (no NVIDIA driver or GPU)." : $"There are {count} CUDA devices.");
        return Accelerators.GetOrAdd(deviceIndex, i => new(() => CreateInPrimaryContext(context!, i))).Value;
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
    /// ILGPU's CudaAccelerator constructor creates a private context (cuCtxCreate), in which memory of another context is
    /// not valid, and keeps it as its NativePtr. Before any kernel is loaded or memory allocated, this points the accelerator
    /// at the device's primary context instead and destroys the private one (<see cref="CudaPrimaryContext.Adopt"/>). The
    /// default stream ILGPU gave it is already the legacy default stream (a null CUstream). The accelerator is never disposed:
    /// that would destroy the primary context.
    /// </summary>
    private static (CudaAccelerator, IntPtr) CreateInPrimaryContext(Context context, int deviceIndex)
    {
        CudaAccelerator? accelerator = null;
        var device = context.GetCudaDevice(deviceIndex);
        var primary = CudaPrimaryContext.Adopt(CudaDriverApi.Instance, device.DeviceId,
            () => (accelerator = device.CreateCudaAccelerator(context)).NativePtr,
            primary => typeof(Accelerator).GetProperty(nameof(Accelerator.NativePtr))!.SetValue(accelerator, primary));
        if (accelerator!.DefaultStream is not CudaStream { StreamPtr: 0 })
            throw new InvalidOperationException("ILGPU's default CUDA stream is not the legacy default stream.");
        return (accelerator, primary);
    }
}

/// <summary>
/// A device's primary context current on the calling thread (from <see cref="DdfCudaDevices.Enter"/>); disposing it restores
/// the thread's previous context and ILGPU accelerator. Dispose it on the thread that entered it.
/// </summary>
public readonly struct DdfCudaScope : IDisposable
{
    private readonly CudaContextSwitch contextSwitch;

    internal DdfCudaScope(CudaAccelerator accelerator, CudaContextSwitch contextSwitch)
    {
        Accelerator = accelerator;
        this.contextSwitch = contextSwitch;
    }

    /// <summary>The device's accelerator, in the primary context; its <c>DefaultStream</c> is the legacy default stream.</summary>
    public CudaAccelerator Accelerator { get; }

    /// <summary>Restores the thread's previous context and ILGPU accelerator.</summary>
    public void Dispose() => contextSwitch.Dispose();
}
