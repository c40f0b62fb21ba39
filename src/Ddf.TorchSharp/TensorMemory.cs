using System;
using System.Runtime.InteropServices;
using TorchSharp;

namespace Ddf;

/// <summary>Raw access to a CPU tensor's memory, without a copy.</summary>
internal static unsafe class TensorMemory
{
    // TorchSharp exposes no data_ptr(); its native library has the export (already loaded by torch).
    [DllImport("LibTorchSharp")]
    private static extern IntPtr THSTensor_data(IntPtr handle);

    /// <summary>The address of element 0 of a contiguous CPU tensor (storage offset included).</summary>
    public static T* Pointer<T>(torch.Tensor tensor) where T : unmanaged
    {
        IntPtr data = THSTensor_data(tensor.Handle);
        if (data == IntPtr.Zero && tensor.numel() > 0)
            torch.CheckForErrors();
        return (T*)data;
    }

    /// <summary>Like <see cref="Pointer{T}(torch.Tensor)"/>, or null for a null tensor.</summary>
    public static T* PointerOrNull<T>(torch.Tensor? tensor) where T : unmanaged =>
        tensor is null ? null : Pointer<T>(tensor);
}
