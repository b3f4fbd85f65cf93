namespace UringSafe.Abi;

/// <summary>IOSQE_* flags carried in every SQE.</summary>
[Flags]
public enum SqeFlags : byte
{
    /// <summary>No flags.</summary>
    None = 0,
    /// <summary>IOSQE_FIXED_FILE: <c>fd</c> is an index into the registered file table.</summary>
    FixedFile = 1 << 0,
    /// <summary>IOSQE_IO_DRAIN: start only after every earlier SQE has completed.</summary>
    IoDrain = 1 << 1,
    /// <summary>IOSQE_IO_LINK: the next SQE starts only if this one succeeds.</summary>
    IoLink = 1 << 2,
    /// <summary>IOSQE_IO_HARDLINK: like IoLink, but the chain continues even if this one fails.</summary>
    IoHardLink = 1 << 3,
    /// <summary>IOSQE_ASYNC: always punt to an async worker.</summary>
    Async = 1 << 4,
    /// <summary>IOSQE_BUFFER_SELECT: the kernel picks a buffer from the group in <c>buf_group</c>.</summary>
    BufferSelect = 1 << 5,
    /// <summary>IOSQE_CQE_SKIP_SUCCESS: post no completion when the operation succeeds.</summary>
    CqeSkipSuccess = 1 << 6,
}
