/**
 * Ground-truth rasterization as upstream LEGION does it: {@link ai.legion.data.raster.MaskRasterizer} turns a
 * {@link ai.legion.data.Region} into a mask with the training loader's semantics (pycocotools polygons,
 * {@link ai.legion.data.raster.CocoPolygons}) or the evaluation scripts' (OpenCV {@code fillPoly} /
 * {@code rectangle}, {@link ai.legion.data.raster.OpenCvFill}).
 */
package ai.legion.data.raster;
