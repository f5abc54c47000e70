/**
 * Decoded pixels as every platform hands them to shared/: RGBA, 8 bits per channel, row-major,
 * not premultiplied, EXIF orientation already applied. `data.length === width * height * 4`.
 */
export interface RgbaImage {
  width: number;
  height: number;
  data: Uint8Array | Uint8ClampedArray;
}

/**
 * The canonical hash input: one float luminance value per pixel (PDQ's luma weights, alpha
 * composited onto white), row-major, `luma.length === width * height`, values 0..255.
 */
export interface LumaImage {
  width: number;
  height: number;
  luma: Float32Array;
}
