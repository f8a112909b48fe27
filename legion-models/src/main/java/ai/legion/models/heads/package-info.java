/**
 * LEGION's small heads, each an {@link ai.legion.models.nn.Mlp} with its parameters under the upstream
 * state-dict names: LLaVA's vision-language projector {@code mm_projector}
 * ({@code llava/model/multimodal_projector/builder.py::build_vision_projector}), the [SEG] projection
 * {@code text_hidden_fcs} (LEGION {@code model/Legion.py::LegionBaseModel._initialize_text_projection_layer})
 * and the stage-2 real/fake {@code prediction_head} ({@code model/Legion.py::LegionForCls.__init__}).
 */
package ai.legion.models.heads;
