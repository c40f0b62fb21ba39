using System;
using System.Collections;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text;
using TorchSharp;
using TorchSharp.PyBridge;
using static TorchSharp.torch;

#pragma warning disable CS8981 // PyTorch-style lower-case name, like Ddf.ops.

namespace Ddf;

/// <summary>
/// Strict loading of saved weights into any module (generated DDF layers, <c>Ddf.models</c> networks, any TorchSharp
/// <see cref="nn.Module"/>), like PyTorch's <c>load_state_dict(strict=True)</c>: every key of the module's
/// <c>state_dict()</c> must be in the file with the same shape, and the file must hold no other key. Everything is
/// checked before anything is copied, so a file that does not fit leaves the module exactly as it was, and the error
/// lists every missing, unexpected and wrongly shaped key with the shape it got and the shape the module needs.
/// Values are copied into the module's own parameters and buffers (their device and dtype stay; values convert like
/// PyTorch's <c>copy_</c>).
/// </summary>
/// <remarks>
/// Files: PyTorch's <c>torch.save(module.state_dict(), path)</c> (the zip format PyTorch writes since 1.6, read with
/// TorchSharp.PyBridge) and TorchSharp's own <c>Module.save(path)</c>; the format is recognised from the content, not
/// from the file name. TorchSharp's <c>Module.load</c> stops at the first problem after earlier tensors were already
/// overwritten, and TorchSharp.PyBridge's <c>load_py</c> accepted the reference weights of an 8-channel DDFPack into a
/// 10-channel layer without a word (issue 15): use these methods for reference weights.
/// </remarks>
public static class weights
{
    /// <summary>
    /// Loads the state_dict saved at <paramref name="path"/> (PyTorch <c>torch.save</c> or TorchSharp <c>Module.save</c>)
    /// into <paramref name="module"/>, strictly.
    /// </summary>
    /// <param name="module">The module to load into; it is changed only when the whole file fits.</param>
    /// <param name="path">The saved state_dict.</param>
    /// <returns><paramref name="module"/>, for chaining (<c>var layer = weights.load(new MyDdf(64), "ddfpack.pt");</c>).</returns>
    /// <exception cref="FileNotFoundException">There is no file at <paramref name="path"/>.</exception>
    /// <exception cref="InvalidDataException">The file is no state_dict in either format, or it does not fit the module: the
    /// message names each missing, unexpected or wrongly shaped key with the shape it got and the shape it needs.</exception>
    public static TModule load<TModule>(TModule module, string path) where TModule : nn.Module
    {
        ArgumentNullException.ThrowIfNull(module);
        ArgumentNullException.ThrowIfNull(path);
        if (!File.Exists(path))
            throw new FileNotFoundException($"No weights file at '{path}'.", path);
        using var stream = File.OpenRead(path);
        return Load(module, stream, $"'{path}'");
    }

    /// <summary>
    /// Loads a state_dict from <paramref name="stream"/> (PyTorch <c>torch.save</c> or TorchSharp <c>Module.save</c>)
    /// into <paramref name="module"/>, strictly. The stream is read to its end and left open.
    /// </summary>
    /// <param name="module">The module to load into; it is changed only when the whole state_dict fits.</param>
    /// <param name="stream">A readable stream positioned at the start of the saved state_dict.</param>
    /// <returns><paramref name="module"/>.</returns>
    /// <exception cref="InvalidDataException">The stream holds no state_dict in either format, or it does not fit the module.</exception>
    public static TModule load<TModule>(TModule module, Stream stream) where TModule : nn.Module
    {
        ArgumentNullException.ThrowIfNull(module);
        ArgumentNullException.ThrowIfNull(stream);
        return Load(module, stream, "the stream");
    }

    /// <summary>
    /// The strict load as an extension on any module: <c>layer.load_weights("ddfpack.pt")</c> is
    /// <see cref="load{TModule}(TModule, string)"/>.
    /// </summary>
    /// <param name="module">The module to load into; it is changed only when the whole file fits.</param>
    /// <param name="path">The saved state_dict (PyTorch <c>torch.save</c> or TorchSharp <c>Module.save</c>).</param>
    /// <returns><paramref name="module"/>.</returns>
    /// <exception cref="FileNotFoundException">There is no file at <paramref name="path"/>.</exception>
    /// <exception cref="InvalidDataException">The file is no state_dict, or it does not fit the module.</exception>
    public static TModule load_weights<TModule>(this TModule module, string path) where TModule : nn.Module => load(module, path);

    /// <summary>
    /// Copies <paramref name="state_dict"/> into <paramref name="module"/>'s parameters and buffers, strictly: its keys
    /// must be exactly those of <c>module.state_dict()</c>, each with the same shape. The tensors are copied, not kept.
    /// </summary>
    /// <param name="module">The module to load into; it is changed only when the whole state_dict fits.</param>
    /// <param name="state_dict">Tensors by state_dict key (<c>spatial_branch.0.weight</c>, ...).</param>
    /// <returns><paramref name="module"/>.</returns>
    /// <exception cref="ArgumentException">The state_dict does not fit the module (<see cref="ArgumentException.ParamName"/> is
    /// <c>state_dict</c>): the message names each missing, unexpected or wrongly shaped key with the shape it got and the
    /// shape it needs.</exception>
    public static TModule load_state_dict<TModule>(TModule module, IReadOnlyDictionary<string, Tensor> state_dict) where TModule : nn.Module
    {
        ArgumentNullException.ThrowIfNull(module);
        ArgumentNullException.ThrowIfNull(state_dict);
        string? problems = Mismatches(module, state_dict);
        if (problems is not null)
            throw new ArgumentException($"The state_dict does not fit {module.GetType().Name}; nothing was loaded.\n{problems}", nameof(state_dict));
        Copy(module, state_dict);
        return module;
    }

    /// <summary>
    /// Reads a saved state_dict (PyTorch <c>torch.save</c> or TorchSharp <c>Module.save</c>) into new CPU tensors
    /// without loading it anywhere (to inspect or rename keys before <see cref="load_state_dict{TModule}"/>).
    /// The caller owns and disposes the tensors.
    /// </summary>
    /// <param name="path">The saved state_dict.</param>
    /// <returns>The tensors by key.</returns>
    /// <exception cref="FileNotFoundException">There is no file at <paramref name="path"/>.</exception>
    /// <exception cref="InvalidDataException">The file is no state_dict in either format.</exception>
    public static Dictionary<string, Tensor> read(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (!File.Exists(path))
            throw new FileNotFoundException($"No weights file at '{path}'.", path);
        using var stream = File.OpenRead(path);
        return Read(stream, $"'{path}'");
    }

    private static TModule Load<TModule>(TModule module, Stream stream, string source) where TModule : nn.Module
    {
        var state = Read(stream, source);
        try
        {
            string? problems = Mismatches(module, state);
            if (problems is not null)
                throw new InvalidDataException($"The state_dict in {source} does not fit {module.GetType().Name}; nothing was loaded.\n{problems}");
            Copy(module, state);
            return module;
        }
        finally
        {
            foreach (var tensor in state.Values)
                tensor.Dispose();
        }
    }

    /// <summary>Every key that is missing, unexpected or of the wrong shape, one per line; null when the state_dict fits.</summary>
    private static string? Mismatches(nn.Module module, IReadOnlyDictionary<string, Tensor> state)
    {
        var target = module.state_dict();
        var problems = new List<string>();
        foreach (var (key, tensor) in target)
        {
            if (!state.TryGetValue(key, out var given))
                problems.Add($"missing key '{key}': the module needs shape {Shape(tensor.shape)}");
            else if (given is null)
                problems.Add($"key '{key}' holds no tensor: the module needs shape {Shape(tensor.shape)}");
            else if (!given.shape.SequenceEqual(tensor.shape))
                problems.Add($"wrong shape for '{key}': got {Shape(given.shape)}, the module needs {Shape(tensor.shape)}");
        }
        foreach (var (key, given) in state)
        {
            if (!target.ContainsKey(key))
                problems.Add($"unexpected key '{key}' (shape {(given is null ? "none" : Shape(given.shape))}): the module has no parameter or buffer of that name");
        }
        return problems.Count == 0 ? null : string.Join("\n", problems.Select(problem => "  " + problem));
    }

    private static void Copy(nn.Module module, IReadOnlyDictionary<string, Tensor> state)
    {
        using var noGrad = no_grad();
        foreach (var (key, tensor) in module.state_dict())
            tensor.copy_(state[key]);
    }

    private static string Shape(long[] shape) => $"[{string.Join(", ", shape)}]";

    private static Dictionary<string, Tensor> Read(Stream stream, string source)
    {
        if (!stream.CanSeek)
        {
            var copy = new MemoryStream();
            stream.CopyTo(copy);
            copy.Position = 0;
            stream = copy;
        }
        long start = stream.Position;
        Span<byte> magic = stackalloc byte[2];
        int got = stream.ReadAtLeast(magic, 2, throwOnEndOfStream: false);
        stream.Position = start;
        if (got == 2 && magic[0] == (byte)'P' && magic[1] == (byte)'K')
            return ReadPyTorch(stream, source);
        if (got == 2 && magic[0] == 0x80 && magic[1] <= 5)
            throw new InvalidDataException($"{source} is in PyTorch's legacy (pre-1.6, non-zip) format; save it again with torch.save(state_dict, path) from PyTorch 1.6 or newer.");
        return ReadTorchSharp(stream, source);
    }

    /// <summary>A state_dict PyTorch's <c>torch.save</c> wrote (a zip holding a pickle), through TorchSharp.PyBridge.</summary>
    private static Dictionary<string, Tensor> ReadPyTorch(Stream stream, string source)
    {
        Hashtable table;
        try
        {
            table = PyTorchUnpickler.UnpickleStateDict(stream, leaveOpen: true);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            throw new InvalidDataException($"{source} looks like a PyTorch file (zip) but holds no readable state_dict: {e.Message}", e);
        }
        var state = new Dictionary<string, Tensor>();
        foreach (DictionaryEntry entry in table)
        {
            if (entry.Key is string key && entry.Value is Tensor tensor)
                state.Add(key, tensor);
        }
        if (state.Count != table.Count)
        {
            foreach (var tensor in state.Values)
                tensor.Dispose();
            var odd = table.Cast<DictionaryEntry>().First(entry => entry.Key is not string || entry.Value is not Tensor);
            throw new InvalidDataException($"{source} is no state_dict of tensors: entry '{odd.Key}' holds {odd.Value?.GetType().Name ?? "null"} (save module.state_dict(), not the module).");
        }
        return state;
    }

    /// <summary>
    /// A state_dict TorchSharp's <c>Module.save</c> wrote: the entry count (LEB128), then per entry the key (a .NET
    /// BinaryWriter string) and the tensor (dtype and rank as LEB128, each dimension as LEB128, then the raw bytes).
    /// Read here with every header checked against the bytes left, so a foreign file cannot ask for a huge tensor.
    /// </summary>
    private static Dictionary<string, Tensor> ReadTorchSharp(Stream stream, string source)
    {
        var state = new Dictionary<string, Tensor>();
        string invalid = $"{source} is neither a PyTorch state_dict (torch.save) nor one TorchSharp's Module.save wrote";
        try
        {
            using var reader = new BinaryReader(stream, Encoding.UTF8, leaveOpen: true);
            long count = Leb128(reader);
            for (long i = 0; i < count; i++)
            {
                string key = reader.ReadString();
                long dtype = Leb128(reader), rank = Leb128(reader);
                if (dtype > sbyte.MaxValue || !Enum.IsDefined((ScalarType)dtype) || rank > 64)
                    throw new InvalidDataException($"{invalid}: entry {i} ('{key}') has dtype {dtype} and rank {rank}.");
                var shape = new long[rank];
                long elements = 1;
                for (int d = 0; d < rank; d++)
                {
                    shape[d] = Leb128(reader);
                    elements = shape[d] == 0 || elements == 0 ? 0 : checked(elements * shape[d]);
                }
                long elementSize;
                using (var probe = empty(new long[] { 0 }, dtype: (ScalarType)dtype))
                    elementSize = probe.ElementSize;
                long bytes = checked(elements * elementSize);
                if (bytes > stream.Length - stream.Position)
                    throw new InvalidDataException($"{invalid}: entry '{key}' of shape {Shape(shape)} needs {bytes} bytes, {stream.Length - stream.Position} are left.");
                var tensor = empty(shape, dtype: (ScalarType)dtype);
                tensor.ReadBytesFromStream(stream);
                if (!state.TryAdd(key, tensor))
                {
                    tensor.Dispose();
                    throw new InvalidDataException($"{invalid}: key '{key}' appears twice.");
                }
            }
            if (stream.Position != stream.Length)
                throw new InvalidDataException($"{invalid}: {stream.Length - stream.Position} bytes follow its {count} entries.");
            return state;
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            foreach (var tensor in state.Values)
                tensor.Dispose();
            throw e as InvalidDataException ?? new InvalidDataException($"{invalid}: {e.Message}", e);
        }
    }

    private static long Leb128(BinaryReader reader)
    {
        long value = 0;
        for (int shift = 0; ; shift += 7)
        {
            if (shift > 56)
                throw new InvalidDataException("a length field is longer than 8 bytes");
            byte b = reader.ReadByte();
            value |= (long)(b & 0x7f) << shift;
            if ((b & 0x80) == 0)
                return value;
        }
    }
}
