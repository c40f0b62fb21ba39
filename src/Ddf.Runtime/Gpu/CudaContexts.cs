using System;
using System.Reflection;
using System.Runtime.InteropServices;
using ILGPU.Runtime;

namespace Ddf.Runtime;

/// <summary>
/// The CUDA driver calls the context handling makes (results are CUresult codes, 0 for success): an interface so that
/// the switching and restoring logic runs in tests against a fake driver, without a GPU.
/// </summary>
internal interface ICudaContextDriver
{
    /// <summary>cuCtxGetCurrent: the context on top of the calling thread's stack, or zero.</summary>
    int GetCurrent(out IntPtr context);

    /// <summary>cuCtxSetCurrent: replaces the top of the calling thread's stack (pushes onto an empty one); zero pops.</summary>
    int SetCurrent(IntPtr context);

    /// <summary>cuCtxPopCurrent: pops the top of the calling thread's stack.</summary>
    int PopCurrent(out IntPtr context);

    /// <summary>cuDeviceGet: the device handle of an ordinal.</summary>
    int DeviceGet(out int device, int ordinal);

    /// <summary>cuDevicePrimaryCtxRetain: the device's primary context (libtorch's, and the CUDA runtime's), retained.</summary>
    int PrimaryContextRetain(out IntPtr context, int device);

    /// <summary>cuCtxDestroy: destroys a context (popping it if it is current to the calling thread).</summary>
    int Destroy(IntPtr context);
}

/// <summary>The real driver, <c>libcuda.so.1</c> (the entry points cuda.h maps the calls to).</summary>
internal sealed class CudaDriverApi : ICudaContextDriver
{
    public static readonly CudaDriverApi Instance = new();

    private const string Cuda = "libcuda.so.1";

    public int GetCurrent(out IntPtr context) => cuCtxGetCurrent(out context);

    public int SetCurrent(IntPtr context) => cuCtxSetCurrent(context);

    public int PopCurrent(out IntPtr context) => cuCtxPopCurrent_v2(out context);

    public int DeviceGet(out int device, int ordinal) => cuDeviceGet(out device, ordinal);

    public int PrimaryContextRetain(out IntPtr context, int device) => cuDevicePrimaryCtxRetain(out context, device);

    public int Destroy(IntPtr context) => cuCtxDestroy_v2(context);

    [DllImport(Cuda)] private static extern int cuCtxGetCurrent(out IntPtr context);
    [DllImport(Cuda)] private static extern int cuCtxSetCurrent(IntPtr context);
    [DllImport(Cuda)] private static extern int cuCtxPopCurrent_v2(out IntPtr context);
    [DllImport(Cuda)] private static extern int cuDeviceGet(out int device, int ordinal);
    [DllImport(Cuda)] private static extern int cuDevicePrimaryCtxRetain(out IntPtr context, int device);
    [DllImport(Cuda)] private static extern int cuCtxDestroy_v2(IntPtr context);
}

/// <summary>
/// ILGPU's per-thread current accelerator (<see cref="Accelerator.Current"/>, whose setter is private). ILGPU calls
/// <c>Bind()</c> before its own driver calls, and <c>Bind()</c> returns at once when the accelerator is already the
/// thread's current one (ILGPU 1.5.3, <c>CurrentAccelerator.cs</c>) without making its context current; and binding
/// another accelerator first calls the old one's <c>OnUnbind</c>, which for CUDA is <c>cuCtxSetCurrent(NULL)</c> (a pop).
/// The context switch therefore sets this to the accelerator whose context it makes current, so that ILGPU's binds inside
/// are no-ops that leave the driver's stack alone, and puts back the previous value afterwards.
/// </summary>
internal static class IlgpuBinding
{
    private static readonly Action<Accelerator?> SetCurrentAccelerator =
        typeof(Accelerator).GetProperty(nameof(Accelerator.Current), BindingFlags.Public | BindingFlags.Static)!
            .GetSetMethod(nonPublic: true)!.CreateDelegate<Action<Accelerator?>>();

    /// <summary>Sets ILGPU's current accelerator of the calling thread, without any driver call.</summary>
    public static void SetCurrent(Accelerator? accelerator) => SetCurrentAccelerator(accelerator);
}

/// <summary>
/// A context made current on the calling thread for the duration of one call: <see cref="Enter"/> saves the thread's
/// current context and ILGPU accelerator and installs the given ones, <see cref="Dispose"/> restores both. The driver's
/// stack depth is unchanged: cuCtxSetCurrent replaces the top (or pushes onto an empty stack, and restoring zero pops it).
/// </summary>
internal readonly struct CudaContextSwitch : IDisposable
{
    private readonly ICudaContextDriver driver;
    private readonly IntPtr previous, context;
    private readonly Accelerator? previousAccelerator;

    private CudaContextSwitch(ICudaContextDriver driver, IntPtr previous, IntPtr context, Accelerator? previousAccelerator)
    {
        this.driver = driver;
        this.previous = previous;
        this.context = context;
        this.previousAccelerator = previousAccelerator;
    }

    /// <summary>Makes <paramref name="context"/> current on this thread and <paramref name="accelerator"/> ILGPU's current accelerator.</summary>
    public static CudaContextSwitch Enter(ICudaContextDriver driver, IntPtr context, Accelerator? accelerator)
    {
        ArgumentNullException.ThrowIfNull(driver);
        if (context == IntPtr.Zero)
            throw new ArgumentException("A context switch needs a context.", nameof(context));
        CudaCheck.Ok(driver.GetCurrent(out var previous), "cuCtxGetCurrent");
        if (previous != context)
            CudaCheck.Ok(driver.SetCurrent(context), "cuCtxSetCurrent");
        var previousAccelerator = Accelerator.Current;
        IlgpuBinding.SetCurrent(accelerator);
        return new CudaContextSwitch(driver, previous, context, previousAccelerator);
    }

    /// <summary>Puts back the thread's previous context (zero: none) and ILGPU accelerator.</summary>
    public void Dispose()
    {
        if (driver is null)
            return;
        IlgpuBinding.SetCurrent(previousAccelerator);
        if (previous != context)
            CudaCheck.Ok(driver.SetCurrent(previous), "cuCtxSetCurrent (restoring the caller's context)");
    }
}

/// <summary>
/// Moves an accelerator that ILGPU has just created in a private context (its constructor's cuCtxCreate pushed that context
/// on the calling thread and made it current) to the device's primary context, destroys the private context, and leaves
/// the thread's context stack as it was before the accelerator was created.
/// </summary>
internal static class CudaPrimaryContext
{
    /// <summary>
    /// Creates the accelerator with <paramref name="create"/> (which returns ILGPU's private context) with no ILGPU accelerator
    /// current, so that ILGPU unbinds (pops) nothing; retains the primary context of device <paramref name="ordinal"/>, makes it
    /// current in the private one's place, hands it to <paramref name="adopt"/> (which points the accelerator at it), destroys the
    /// private context and pops the primary one again: afterwards the thread's current context and ILGPU accelerator are the
    /// ones before the call. Returns the primary context.
    /// </summary>
    public static IntPtr Adopt(ICudaContextDriver driver, int ordinal, Func<IntPtr> create, Action<IntPtr> adopt)
    {
        CudaCheck.Ok(driver.GetCurrent(out var previous), "cuCtxGetCurrent");
        var previousAccelerator = Accelerator.Current;
        IlgpuBinding.SetCurrent(null);
        bool replaced = false;
        IntPtr privateContext = IntPtr.Zero;
        try
        {
            privateContext = create();
            CudaCheck.Ok(driver.GetCurrent(out var created), "cuCtxGetCurrent");
            if (created != privateContext || privateContext == IntPtr.Zero || privateContext == previous)
                throw new InvalidOperationException("The new CUDA accelerator's private context is not the calling thread's current one.");
            CudaCheck.Ok(driver.DeviceGet(out int device, ordinal), "cuDeviceGet");
            CudaCheck.Ok(driver.PrimaryContextRetain(out var primary, device), "cuDevicePrimaryCtxRetain");
            CudaCheck.Ok(driver.SetCurrent(primary), "cuCtxSetCurrent");
            replaced = true;
            adopt(primary);
            return primary;
        }
        finally
        {
            IlgpuBinding.SetCurrent(previousAccelerator);
            if (privateContext != IntPtr.Zero)
            {
                // Not current any more once replaced; else on top of the stack, which this pops.
                int destroyed = driver.Destroy(privateContext);
                if (replaced)
                    driver.PopCurrent(out _);
                CudaCheck.Ok(destroyed, "cuCtxDestroy (ILGPU's private context)");
            }
        }
    }
}

internal static class CudaCheck
{
    public static void Ok(int result, string call)
    {
        if (result != 0)
            throw new InvalidOperationException($"{call} failed with CUDA error {result}.");
    }
}
