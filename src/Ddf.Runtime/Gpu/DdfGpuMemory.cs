using System;
using System.Runtime.CompilerServices;
using ILGPU;
using ILGPU.Runtime;
using ILGPU.Runtime.CPU;
using ILGPU.Runtime.Cuda;

namespace Ddf.Runtime;

/// <summary>
/// ILGPU views over memory that something else owns (a TorchSharp tensor, a CUDA runtime allocation):
/// no copy, and disposing the view's buffer never frees the memory.
/// </summary>
public static class DdfGpuMemory
{
    /// <summary>
    /// A view of <paramref name="length"/> elements at <paramref name="pointer"/>: host memory for a CPU
    /// accelerator, device memory of the accelerator's device (and CUDA context) for a CUDA accelerator.
    /// </summary>
    public static ArrayView<T> View<T>(Accelerator accelerator, IntPtr pointer, long length) where T : unmanaged
    {
        ArgumentNullException.ThrowIfNull(accelerator);
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        if (length == 0)
            return default;
        if (pointer == IntPtr.Zero)
            throw new ArgumentException("A view of a non-empty buffer needs a non-null pointer.", nameof(pointer));
        MemoryBuffer buffer = accelerator switch
        {
            CPUAccelerator cpu => CPUMemoryBuffer.Create(cpu, pointer, length, Unsafe.SizeOf<T>()),
            CudaAccelerator cuda => new ExternalCudaBuffer(cuda, pointer, length, Unsafe.SizeOf<T>()),
            _ => throw new NotSupportedException($"External memory views are supported on CPU and CUDA accelerators, not '{accelerator.Name}'."),
        };
        return new ArrayView<T>(buffer, 0, length);
    }

    /// <summary>A non-owning ILGPU buffer over a CUDA device pointer.</summary>
    private sealed class ExternalCudaBuffer : MemoryBuffer
    {
        public ExternalCudaBuffer(CudaAccelerator accelerator, IntPtr pointer, long length, int elementSize)
            : base(accelerator, length, elementSize)
        {
            NativePtr = pointer;
            // Nothing to free; and ILGPU's finalizer would bind the accelerator (cuCtxSetCurrent) on the finalizer thread
            // to run DisposeAcceleratorObject, which only clears the pointer.
            GC.SuppressFinalize(this);
        }

        protected override void MemSet(AcceleratorStream stream, byte value, in ArrayView<byte> targetView) =>
            CudaMemoryBuffer.CudaMemSet(stream as CudaStream, value, targetView);

        protected override void CopyFrom(AcceleratorStream stream, in ArrayView<byte> sourceView, in ArrayView<byte> targetView) =>
            CudaMemoryBuffer.CudaCopy(stream as CudaStream, sourceView, targetView);

        protected override void CopyTo(AcceleratorStream stream, in ArrayView<byte> sourceView, in ArrayView<byte> targetView) =>
            CudaMemoryBuffer.CudaCopy(stream as CudaStream, sourceView, targetView);

        // The owner frees the memory, not this view.
        protected override void DisposeAcceleratorObject(bool disposing) => NativePtr = IntPtr.Zero;
    }
}
