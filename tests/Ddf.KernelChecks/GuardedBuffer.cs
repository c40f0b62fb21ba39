using System;
using System.Collections.Generic;
using System.Runtime.InteropServices;

namespace Ddf.KernelChecks;

/// <summary>Which side of a <see cref="GuardedBuffer"/> touches the inaccessible page.</summary>
public enum GuardSide
{
    /// <summary>The buffer's last byte is immediately followed by a PROT_NONE page: any overrun faults.</summary>
    After,

    /// <summary>The buffer's first byte immediately follows a PROT_NONE page: any underrun faults.</summary>
    Before,
}

/// <summary>
/// A buffer in its own anonymous mapping (Linux mmap) that sits against a PROT_NONE guard page on one side, so the
/// first access past that side faults (SIGSEGV, which the runtime turns into a fatal AccessViolationException) at the
/// faulty instruction. The rest of the buffer's pages on the other side (slack, less than a page) is filled with
/// 0xFF bytes, a NaN for float and double: a kernel that reads it spreads NaN into its results, and
/// <see cref="CheckSlack"/> finds any write into it.
/// </summary>
public sealed unsafe class GuardedBuffer : IDisposable
{
    private const int ProtNone = 0, ProtRead = 1, ProtWrite = 2;
    private const int MapPrivate = 0x02, MapAnonymous = 0x20;
    private const byte Fill = 0xFF;

    [DllImport("libc", SetLastError = true)]
    private static extern void* mmap(void* address, nuint length, int protection, int flags, int fd, nint offset);

    [DllImport("libc", SetLastError = true)]
    private static extern int mprotect(void* address, nuint length, int protection);

    [DllImport("libc", SetLastError = true)]
    private static extern int munmap(void* address, nuint length);

    private readonly byte* mapping;
    private readonly nuint mappingBytes;
    private readonly byte* slack;
    private readonly long slackBytes;

    /// <summary>Maps <paramref name="bytes"/> (at least 1) against a guard page on <paramref name="side"/>.</summary>
    public GuardedBuffer(long bytes, GuardSide side)
    {
        if (!OperatingSystem.IsLinux())
            throw new PlatformNotSupportedException("Guard pages are mapped with Linux mmap/mprotect.");
        ArgumentOutOfRangeException.ThrowIfLessThan(bytes, 1L);
        long page = Environment.SystemPageSize, dataBytes = (bytes + page - 1) / page * page;
        mappingBytes = (nuint)(dataBytes + page);
        mapping = (byte*)mmap(null, mappingBytes, ProtRead | ProtWrite, MapPrivate | MapAnonymous, -1, 0);
        if (mapping == (byte*)-1)
            throw new InvalidOperationException($"mmap of {mappingBytes} bytes failed (errno {Marshal.GetLastPInvokeError()}).");
        byte* guard = side == GuardSide.After ? mapping + dataBytes : mapping;
        if (mprotect(guard, (nuint)page, ProtNone) != 0)
            throw new InvalidOperationException($"mprotect failed (errno {Marshal.GetLastPInvokeError()}).");
        Bytes = bytes;
        Side = side;
        Pointer = side == GuardSide.After ? guard - bytes : mapping + page;
        slack = side == GuardSide.After ? mapping : Pointer + bytes;
        slackBytes = dataBytes - bytes;
        new Span<byte>(slack, (int)slackBytes).Fill(Fill);
    }

    /// <summary>The first byte of the buffer.</summary>
    public byte* Pointer { get; }

    /// <summary>The buffer's size.</summary>
    public long Bytes { get; }

    /// <summary>Where the guard page is.</summary>
    public GuardSide Side { get; }

    /// <summary>Throws when a byte of the slack beside the buffer (in its last or first page) was written.</summary>
    public void CheckSlack(string name)
    {
        var bytes = new ReadOnlySpan<byte>(slack, (int)slackBytes);
        int changed = bytes.IndexOfAnyExcept(Fill);
        if (changed >= 0)
        {
            long offset = Side == GuardSide.After ? changed - slackBytes : Bytes + changed;
            throw new InvalidOperationException($"{name}: the kernel wrote byte {offset} relative to the buffer's start (size {Bytes}), outside the buffer.");
        }
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        if (munmap(mapping, mappingBytes) != 0)
            throw new InvalidOperationException($"munmap failed (errno {Marshal.GetLastPInvokeError()}).");
    }
}

/// <summary>The guarded buffers of one kernel call: typed allocation, the slack check of all of them, and their release.</summary>
public sealed unsafe class GuardedBuffers(GuardSide side) : IDisposable
{
    private readonly List<(GuardedBuffer Buffer, string Name)> buffers = [];

    /// <summary>Where each buffer's guard page is.</summary>
    public GuardSide Side => side;

    /// <summary>A guarded buffer holding a copy of <paramref name="values"/>.</summary>
    public T* Copy<T>(string name, ReadOnlySpan<T> values) where T : unmanaged
    {
        T* p = Allocate<T>(name, values.Length);
        values.CopyTo(new Span<T>(p, values.Length));
        return p;
    }

    /// <summary>A guarded buffer of <paramref name="count"/> elements filled with 0xFF bytes (NaN for float and double).</summary>
    public T* Allocate<T>(string name, long count) where T : unmanaged
    {
        var buffer = new GuardedBuffer(count * sizeof(T), side);
        buffers.Add((buffer, name));
        new Span<byte>(buffer.Pointer, (int)buffer.Bytes).Fill(0xFF);
        return (T*)buffer.Pointer;
    }

    /// <summary>Throws when any buffer's slack was written.</summary>
    public void CheckSlack()
    {
        foreach (var (buffer, name) in buffers)
            buffer.CheckSlack(name);
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        foreach (var (buffer, _) in buffers)
            buffer.Dispose();
        buffers.Clear();
    }
}
