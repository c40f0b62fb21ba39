using System;
using System.Collections.Generic;
using System.IO;
using System.IO.Compression;
using System.Linq;
using System.Reflection.Metadata;
using System.Reflection.PortableExecutable;
using System.Text;

namespace Ddf.Testing;

/// <summary>
/// The files the generator emitted for a layer compiled into an assembly, read back from the assembly's portable PDB
/// (beside it, or embedded): the compiler embeds every generated file's text there, so this is exactly what the
/// build compiled, with no second run of the generator.
/// </summary>
internal static class CompiledLayers
{
    private static readonly Guid EmbeddedSource = new("0E8A571B-6926-466E-B4AD-8AB04611F5FE");
    private static readonly string[] Parts = ["Module", "Autograd", "Spec", "Kernels.Cpu", "Kernels.Gpu", "Onnx"];
    private const string GeneratorFolder = "Ddf.Generators.DdfGenerator";

    public static List<(string HintName, string Text)> Files(Type layer)
    {
        if (layer.IsGenericType || layer.IsGenericTypeDefinition)
            throw new DdfSnapshotException($"{layer} is generic; [DynamicFilter] layers are not.");
        string prefix = HintPrefix(layer);
        var hints = Parts.Select(p => $"{prefix}.{p}.g.cs").ToHashSet(StringComparer.Ordinal);
        string assemblyPath = layer.Assembly.Location;
        if (string.IsNullOrEmpty(assemblyPath))
            throw new DdfSnapshotException($"The assembly of {layer} has no file, so its PDB cannot be read.");

        using var stream = File.OpenRead(assemblyPath);
        using var pe = new PEReader(stream);
        if (!pe.TryOpenAssociatedPortablePdb(assemblyPath, path => File.Exists(path) ? File.OpenRead(path) : null, out var provider, out _) || provider is null)
            throw new DdfSnapshotException($"No portable PDB found for {assemblyPath}: Verify<TLayer> reads the generated files from it " +
                "(DebugType portable or embedded, the SDK's default).");
        using (provider)
        {
            var pdb = provider.GetMetadataReader();
            var files = new List<(string HintName, string Text)>();
            foreach (var handle in pdb.Documents)
            {
                string documentPath = pdb.GetString(pdb.GetDocument(handle).Name).Replace('\\', '/');
                string hint = documentPath[(documentPath.LastIndexOf('/') + 1)..];
                if (!hints.Contains(hint) || !documentPath.EndsWith($"/{GeneratorFolder}/{hint}", StringComparison.Ordinal))
                    continue;
                files.Add((hint, Text(pdb, handle) ?? throw new DdfSnapshotException($"The PDB of {assemblyPath} does not embed {documentPath}.")));
            }
            if (files.Count == 0)
                throw new DdfSnapshotException($"The build of {layer.Assembly.GetName().Name} generated no Ddf files for {layer.FullName} " +
                    $"(looked for {prefix}.*.g.cs in {Path.ChangeExtension(assemblyPath, ".pdb")}): is it a [DynamicFilter] or [DynamicFilterUp] class " +
                    "declared in that assembly, compiled with the Ddf.Compiler generator?");
            return files;
        }
    }

    /// <summary>As the generator names files: namespace, containing types and name, dot-separated.</summary>
    private static string HintPrefix(Type layer)
    {
        var parts = new List<string>();
        for (var type = layer; type is not null; type = type.DeclaringType)
            parts.Insert(0, type.Name);
        if (!string.IsNullOrEmpty(layer.Namespace))
            parts.Insert(0, layer.Namespace);
        return string.Join(".", parts);
    }

    private static string? Text(MetadataReader pdb, DocumentHandle document)
    {
        foreach (var handle in pdb.GetCustomDebugInformation(document))
        {
            var information = pdb.GetCustomDebugInformation(handle);
            if (pdb.GetGuid(information.Kind) != EmbeddedSource)
                continue;
            byte[] blob = pdb.GetBlobBytes(information.Value);
            int format = BitConverter.ToInt32(blob, 0);
            byte[] bytes;
            if (format == 0)
            {
                bytes = blob[4..];
            }
            else
            {
                bytes = new byte[format];
                using var deflate = new DeflateStream(new MemoryStream(blob, 4, blob.Length - 4), CompressionMode.Decompress);
                deflate.ReadExactly(bytes);
            }
            using var reader = new StreamReader(new MemoryStream(bytes), Encoding.UTF8, detectEncodingFromByteOrderMarks: true);
            return reader.ReadToEnd();
        }
        return null;
    }
}
