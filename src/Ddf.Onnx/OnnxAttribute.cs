using System;
using System.Linq;
using Google.Protobuf;
using Google.Protobuf.Collections;
using Onnx;

namespace Ddf;

/// <summary>An attribute of an ONNX node (<see cref="OnnxGraph.Node(string, string[], OnnxAttribute[])"/>).</summary>
public sealed class OnnxAttribute
{
    private OnnxAttribute(AttributeProto proto) => Proto = proto;

    internal AttributeProto Proto { get; }

    /// <summary>An integer attribute.</summary>
    public static OnnxAttribute Int(string name, long value) =>
        new(new AttributeProto { Name = name, Type = AttributeProto.Types.AttributeType.Int, I = value });

    /// <summary>A list of integers.</summary>
    public static OnnxAttribute Ints(string name, params long[] values) =>
        List(name, AttributeProto.Types.AttributeType.Ints, static proto => proto.Ints, values);

    /// <summary>A float attribute.</summary>
    public static OnnxAttribute Float(string name, float value) =>
        new(new AttributeProto { Name = name, Type = AttributeProto.Types.AttributeType.Float, F = value });

    /// <summary>A list of floats.</summary>
    public static OnnxAttribute Floats(string name, params float[] values) =>
        List(name, AttributeProto.Types.AttributeType.Floats, static proto => proto.Floats, values);

    /// <summary>A string attribute.</summary>
    public static OnnxAttribute String(string name, string value) =>
        new(new AttributeProto { Name = name, Type = AttributeProto.Types.AttributeType.String, S = ByteString.CopyFromUtf8(value) });

    /// <summary>A list attribute of <paramref name="type"/>: <paramref name="values"/> in the proto's repeated field of that type.</summary>
    private static OnnxAttribute List<T>(string name, AttributeProto.Types.AttributeType type, Func<AttributeProto, RepeatedField<T>> field, T[] values)
    {
        ArgumentNullException.ThrowIfNull(values);
        var proto = new AttributeProto { Name = name, Type = type };
        field(proto).AddRange(values);
        return new(proto);
    }

    /// <inheritdoc/>
    public override string ToString() => Proto.Type switch
    {
        AttributeProto.Types.AttributeType.Int => $"{Proto.Name}={Proto.I}",
        AttributeProto.Types.AttributeType.Ints => $"{Proto.Name}=[{string.Join(", ", Proto.Ints)}]",
        AttributeProto.Types.AttributeType.Float => $"{Proto.Name}={Proto.F}",
        AttributeProto.Types.AttributeType.Floats => $"{Proto.Name}=[{string.Join(", ", Proto.Floats.Select(f => f.ToString(System.Globalization.CultureInfo.InvariantCulture)))}]",
        _ => $"{Proto.Name}={Proto.S.ToStringUtf8()}",
    };
}
