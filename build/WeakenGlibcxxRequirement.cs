// Makes TorchSharp's native library load on systems whose libstdc++ predates GCC 13 (Debian 12).
//
// libLibTorchSharp.so 0.107.0 was linked against GCC 13 and so asks for the symbol version
// GLIBCXX_3.4.32 for exactly one symbol, std::ios_base_library_init. That symbol is only a marker
// (the library has no relocation against it and never calls it), so the requirement can be made
// weak (VER_FLG_WEAK in .gnu.version_r): the dynamic loader then accepts an older libstdc++.
// The task changes one 16-bit field of the copy in the build output, never the NuGet cache, and
// does nothing where the system libstdc++ already provides the version.
using System;
using System.IO;
using System.Text;
using Microsoft.Build.Framework;
using Microsoft.Build.Utilities;

public sealed class WeakenGlibcxxRequirement : Task
{
    private const uint ShtGnuVerneed = 0x6ffffffe;
    private const ushort VerFlgWeak = 0x2;

    [Required]
    public string Library { get; set; } = "";

    public string RequiredVersion { get; set; } = "GLIBCXX_3.4.32";

    public override bool Execute()
    {
        if (!File.Exists(Library))
        {
            Log.LogMessage(MessageImportance.Low, $"{Library} not found; nothing to patch.");
            return true;
        }
        if (SystemLibstdcxxHas(RequiredVersion))
        {
            Log.LogMessage(MessageImportance.Low, $"System libstdc++ provides {RequiredVersion}; {Library} left as shipped.");
            return true;
        }
        byte[] elf = File.ReadAllBytes(Library);
        if (elf.Length < 64 || elf[0] != 0x7f || elf[1] != (byte)'E' || elf[4] != 2 || elf[5] != 1)
        {
            Log.LogError($"{Library} is not a little-endian ELF64 file.");
            return false;
        }
        switch (Weaken(elf))
        {
            case PatchResult.Patched:
                // Written to a new file (a copy keeps the mode) that replaces the old one, so an output copy
                // hard-linked to the NuGet cache leaves the cache's file as it was.
                string patched = Library + ".ddf-patch";
                File.Copy(Library, patched, true);
                File.WriteAllBytes(patched, elf);
                File.Delete(Library);
                File.Move(patched, Library);
                Log.LogMessage(MessageImportance.High, $"Marked {RequiredVersion} weak in {Path.GetFileName(Library)} (system libstdc++ lacks it).");
                return true;
            case PatchResult.AlreadyWeak:
                return true;
            default:
                Log.LogMessage(MessageImportance.Low, $"{Library} does not require {RequiredVersion}.");
                return true;
        }
    }

    private enum PatchResult { NotRequired, AlreadyWeak, Patched }

    private PatchResult Weaken(byte[] elf)
    {
        long shoff = BitConverter.ToInt64(elf, 0x28);
        int shentsize = BitConverter.ToUInt16(elf, 0x3A);
        int shnum = BitConverter.ToUInt16(elf, 0x3C);
        for (int i = 0; i < shnum; i++)
        {
            long sh = shoff + (long)i * shentsize;
            if (BitConverter.ToUInt32(elf, (int)sh + 4) != ShtGnuVerneed)
                continue;
            long offset = BitConverter.ToInt64(elf, (int)sh + 24);
            int link = (int)BitConverter.ToUInt32(elf, (int)sh + 40);
            int count = (int)BitConverter.ToUInt32(elf, (int)sh + 44);
            long strtab = BitConverter.ToInt64(elf, (int)(shoff + (long)link * shentsize) + 24);
            long need = offset;
            for (int n = 0; n < count; n++)
            {
                int auxCount = BitConverter.ToUInt16(elf, (int)need + 2);
                long aux = need + BitConverter.ToUInt32(elf, (int)need + 8);
                for (int a = 0; a < auxCount; a++)
                {
                    long name = strtab + BitConverter.ToUInt32(elf, (int)aux + 8);
                    if (CStringAt(elf, name) == RequiredVersion)
                    {
                        ushort flags = BitConverter.ToUInt16(elf, (int)aux + 4);
                        if ((flags & VerFlgWeak) != 0)
                            return PatchResult.AlreadyWeak;
                        BitConverter.GetBytes((ushort)(flags | VerFlgWeak)).CopyTo(elf, (int)aux + 4);
                        return PatchResult.Patched;
                    }
                    aux += BitConverter.ToUInt32(elf, (int)aux + 12);
                }
                need += BitConverter.ToUInt32(elf, (int)need + 12);
            }
        }
        return PatchResult.NotRequired;
    }

    private static string CStringAt(byte[] bytes, long start)
    {
        long end = start;
        while (end < bytes.Length && bytes[end] != 0)
            end++;
        return Encoding.ASCII.GetString(bytes, (int)start, (int)(end - start));
    }

    private static bool SystemLibstdcxxHas(string version)
    {
        string[] candidates =
        {
            "/usr/lib/x86_64-linux-gnu/libstdc++.so.6", "/lib/x86_64-linux-gnu/libstdc++.so.6",
            "/usr/lib64/libstdc++.so.6", "/usr/lib/libstdc++.so.6",
            "/usr/lib/aarch64-linux-gnu/libstdc++.so.6",
        };
        byte[] needle = Encoding.ASCII.GetBytes(version + "\0");
        foreach (string path in candidates)
        {
            if (File.Exists(path))
                return IndexOf(File.ReadAllBytes(path), needle) >= 0;
        }
        return false;
    }

    private static int IndexOf(byte[] haystack, byte[] needle)
    {
        for (int i = 0; i <= haystack.Length - needle.Length; i++)
        {
            int j = 0;
            while (j < needle.Length && haystack[i + j] == needle[j])
                j++;
            if (j == needle.Length)
                return i;
        }
        return -1;
    }
}
