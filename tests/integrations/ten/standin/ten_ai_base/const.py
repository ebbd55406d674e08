"""Stand-in of ``ten_ai_base/const.py`` (TEN-framework/ten_ai_base,
``interface/ten_ai_base/const.py``, version 0.7.41 = commit e385b33). Rewritten for tests: same
public names, signatures and values.
"""

CMD_TOOL_REGISTER = "tool_register"
CMD_TOOL_CALL = "tool_call"
CMD_PROPERTY_TOOL = "tool"
CMD_PROPERTY_RESULT = "tool_result"
CMD_CHAT_COMPLETION_CALL = "chat_completion_call"
CMD_GENERATE_IMAGE_CALL = "generate_image_call"
CMD_IN_FLUSH = "flush"
CMD_OUT_FLUSH = "flush"

DATA_OUT_NAME = "text_data"
CONTENT_DATA_OUT_NAME = "content_data"
DATA_OUT_PROPERTY_TEXT = "text"
DATA_OUT_PROPERTY_END_OF_SEGMENT = "end_of_segment"
DATA_OUT_PROPERTY_QUIET = "quiet"
DATA_OUT_PROPERTY_TURN_ID = "turn_id"

DATA_IN_PROPERTY_TEXT = "text"
DATA_IN_PROPERTY_END_OF_SEGMENT = "end_of_segment"
DATA_IN_PROPERTY_QUIET = "quiet"

DATA_INPUT_NAME = "text_data"
CONTENT_DATA_INPUT_NAME = "content_data"

AUDIO_FRAME_OUTPUT_NAME = "pcm_frame"

DATA_IN_ASR_FINALIZE = "asr_finalize"
DATA_IN_TRIGGER_CONNECT = "trigger_connect"
DATA_OUT_ASR_FINALIZE_END = "asr_finalize_end"
DATA_OUT_METRICS = "metrics"

PROPERTY_KEY_METADATA = "metadata"
PROPERTY_KEY_SESSION_ID = "session_id"

LOG_CATEGORY_KEY_POINT = "key_point"
LOG_CATEGORY_VENDOR = "vendor"
LOG_CATEGORY_USAGE = "usage"
